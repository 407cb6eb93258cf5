//! Tenant isolation: the catalog guard that every table carrying `restaurant_id` is under
//! forced row-level security with a policy and the audit trigger, and isolation checks run as
//! the app role against every such table.

use hs_domain::{Clock, Role};
use hs_store::db::APP_ROLE;
use hs_store::{Actor, MasterKey, Store};
use hs_testkit::{fresh_db, TestDb};
use sqlx::{Connection, PgConnection};
use uuid::Uuid;

/// Platform tables that name a restaurant without belonging to it, each for a reason:
/// - `jobs`: the job queue; workers claim due jobs of every restaurant, then do each in that
///   restaurant's own transaction. It holds ids, kinds and timing, never personal data.
const PLATFORM_TABLES: &[&str] = &["jobs", "message_refs"];

/// Tenant tables without the audit trigger, each for a reason:
/// - `audit_log`: the audit trail itself;
/// - `stats_days`: statistics' daily sums, derived from reservations whose every change is
///   audited on their own rows; auditing the sums would fill the log with the statistics'
///   own bookkeeping.
const UNAUDITED: &[&str] = &["audit_log", "stats_days"];

/// Everything wrong with tenant tables in this database's catalog; empty when all is well.
async fn catalog_violations(c: &mut PgConnection, app_role: &str) -> Vec<String> {
    let tables: Vec<(String, bool, bool, i64, i64, bool, bool)> = sqlx::query_as(
        "SELECT c.relname::text, c.relrowsecurity, c.relforcerowsecurity,
                (SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid
                   AND pg_get_expr(p.polqual, p.polrelid) LIKE '%app_tenant()%'
                   AND pg_get_expr(p.polwithcheck, p.polrelid) LIKE '%app_tenant()%'),
                (SELECT count(*) FROM pg_trigger t WHERE t.tgrelid = c.oid AND NOT t.tgisinternal
                   AND t.tgfoid = 'audit_row'::regproc AND t.tgenabled <> 'D'),
                EXISTS (SELECT 1 FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid
                          AND a.attnum = ANY (i.indkey)
                        WHERE i.indrelid = c.oid AND i.indisprimary AND a.attname = 'restaurant_id'),
                c.relkind = 'r'
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
           AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid
                         AND a.attname = 'restaurant_id' AND NOT a.attisdropped)
           AND c.relname <> ALL ($1)
         ORDER BY 1",
    )
    .bind(PLATFORM_TABLES)
    .fetch_all(&mut *c)
    .await
    .expect("catalog query");
    let mut v = Vec::new();
    if tables.len() < 5 {
        v.push(format!(
            "only {} tenant tables found: the query is broken",
            tables.len()
        ));
    }
    for (t, rls, force, policies, triggers, pk, _) in tables {
        if !rls {
            v.push(format!("{t}: row-level security not enabled"));
        }
        if !force {
            v.push(format!("{t}: row-level security not forced"));
        }
        if policies == 0 {
            v.push(format!("{t}: no tenant policy with USING and WITH CHECK"));
        }
        if triggers == 0 && !UNAUDITED.contains(&t.as_str()) {
            v.push(format!("{t}: no audit trigger"));
        }
        if !pk {
            v.push(format!("{t}: restaurant_id is not part of the primary key"));
        }
    }
    let role: (bool, bool, i64) = sqlx::query_as(
        "SELECT r.rolsuper, r.rolbypassrls,
                (SELECT count(*) FROM pg_class c WHERE c.relowner = r.oid)
              + (SELECT count(*) FROM pg_proc p WHERE p.proowner = r.oid)
              + (SELECT count(*) FROM pg_namespace s WHERE s.nspowner = r.oid)
         FROM pg_roles r WHERE r.rolname = $1",
    )
    .bind(app_role)
    .fetch_one(&mut *c)
    .await
    .expect("role query");
    if role.0 {
        v.push("app role is superuser".into());
    }
    if role.1 {
        v.push("app role has BYPASSRLS".into());
    }
    if role.2 > 0 {
        v.push(format!("app role owns {} objects", role.2));
    }
    v
}

async fn tenant_tables(c: &mut PgConnection) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'restaurant_id'
         WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname <> ALL ($1) ORDER BY 1",
    )
    .bind(PLATFORM_TABLES)
    .fetch_all(c)
    .await
    .expect("tables")
}

async fn store_for(db: &TestDb) -> Store {
    Store::new(
        db.app_pool().await.expect("pool"),
        Clock::system(),
        MasterKey::generate(),
    )
}

/// Two restaurants with rows in every tenant table (members, settings, tokens, invites, audit).
async fn two_restaurants(db: &TestDb, store: &Store) -> (Uuid, Uuid) {
    let mut ids = Vec::new();
    for (n, email) in [
        ("Alpha", "owner@alpha.example"),
        ("Beta", "owner@beta.example"),
    ] {
        let r = store
            .create_restaurant(n, &Actor::Cli)
            .await
            .expect("restaurant");
        let u = store
            .create_user(
                hs_store::accounts::NewUser {
                    email,
                    name: n,
                    password: "Kastanienbaum-Seeblick-42",
                    language: "de",
                    platform_admin: false,
                },
                &Actor::Cli,
            )
            .await
            .expect("user");
        let mut tx = store.tenant(r.id, &Actor::Cli).await.expect("tx");
        tx.add_member(u.id, Role::Owner).await.expect("member");
        tx.create_api_token("pos", Role::Manager, Some(u.id))
            .await
            .expect("token");
        tx.create_invite(&format!("staff@{n}.example"), Role::Staff, Some(u.id))
            .await
            .expect("invite");
        tx.commit().await.expect("commit");
        fill_reservation_tables(db, r.id).await;
        ids.push(r.id);
    }
    (ids[0], ids[1])
}

/// One row in each reservation-side tenant table, written as the app role in the tenant.
async fn fill_reservation_tables(db: &TestDb, rid: Uuid) {
    let sql = format!(
        "SELECT set_config('app.restaurant_id', '{rid}', true);
         INSERT INTO areas (restaurant_id, id, name) VALUES ('{rid}', '{a}', 'Innen');
         INSERT INTO tables (restaurant_id, id, area_id, name, min_seats, max_seats) VALUES ('{rid}', '{t}', '{a}', 'T1', 1, 2);
         INSERT INTO table_combinations (restaurant_id, id, name, min_seats, max_seats) VALUES ('{rid}', '{c}', 'T1+', 2, 4);
         INSERT INTO combination_tables (restaurant_id, combination_id, table_id) VALUES ('{rid}', '{c}', '{t}');
         INSERT INTO service_periods (restaurant_id, id, weekday, name, start_time, end_time, last_seating) VALUES ('{rid}', gen_random_uuid(), 1, 'Dinner', '17:30', '22:30', '21:30');
         INSERT INTO special_days (restaurant_id, id, day, name, start_time, end_time, last_seating) VALUES ('{rid}', gen_random_uuid(), '2026-12-31', 'Silvester', '18:00', '02:00', '21:00');
         INSERT INTO closures (restaurant_id, id, first_day, last_day, reason) VALUES ('{rid}', gen_random_uuid(), '2026-12-24', '2026-12-26', 'Weihnachten');
         INSERT INTO turn_times (restaurant_id, id, min_party, max_party, minutes) VALUES ('{rid}', gen_random_uuid(), 1, 2, 90);
         INSERT INTO guests (restaurant_id, id, name, created_at, updated_at) VALUES ('{rid}', '{g}', 'Gast', now(), now());
         INSERT INTO reservations (restaurant_id, id, code, guest_id, party_size, starts_at, ends_at, status, channel, created_at, updated_at)
           VALUES ('{rid}', '{res}', 'ACDEFG', '{g}', 2, '2026-12-01 18:00+00', '2026-12-01 19:30+00', 'confirmed', 'api', now(), now());
         INSERT INTO reservation_tables (restaurant_id, reservation_id, table_id, during) VALUES ('{rid}', '{res}', '{t}', '[2026-12-01 18:00+00, 2026-12-01 19:30+00)');
         INSERT INTO idempotency_records (restaurant_id, key, scope, request_hash, status_code, response, created_at, expires_at)
           VALUES ('{rid}', 'k', 'reservations', '\\x00', 201, '{{}}', now(), now() + interval '1 day');
         INSERT INTO tenant_keys (restaurant_id, wrapped_key, created_at) VALUES ('{rid}', 'x', now());
         INSERT INTO voice_settings (restaurant_id, updated_at) VALUES ('{rid}', now());
         INSERT INTO voice_calls (restaurant_id, id, provider, external_id, started_at, created_at, updated_at)
           VALUES ('{rid}', '{call}', 'vapi', 'call-1', now(), now(), now());
         INSERT INTO voice_events (restaurant_id, id, call_id, at, kind, name) VALUES ('{rid}', gen_random_uuid(), '{call}', now(), 'status', 'in-progress');
         INSERT INTO deletion_protocol (restaurant_id, id, category, rows_affected, cutoff, ran_at)
           VALUES ('{rid}', gen_random_uuid(), 'voice_events_deleted', 0, now(), now());
         INSERT INTO guest_links (restaurant_id, id, reservation_id, token_hash, created_at, expires_at)
           VALUES ('{rid}', gen_random_uuid(), '{res}', '\\x01', now(), now() + interval '1 day');
         INSERT INTO messages (restaurant_id, id, reservation_id, guest_id, recipient, channel, kind, language, created_at, updated_at)
           VALUES ('{rid}', gen_random_uuid(), '{res}', '{g}', 'guest', 'email', 'confirmation', 'de', now(), now());
         INSERT INTO whatsapp_settings (restaurant_id, phone_number_id, access_token_enc, app_secret_enc, verify_token_hash, updated_at)
           VALUES ('{rid}', '1111', 'x', 'x', '\\x01', now());
         INSERT INTO inbound_messages (restaurant_id, id, guest_id, channel, provider_message_id, from_address, body, kind, received_at)
           VALUES ('{rid}', gen_random_uuid(), '{g}', 'whatsapp', 'wamid.1', '+491701234567', 'Hallo', 'text', now());
         INSERT INTO mail_settings (restaurant_id, transport, from_address, updated_at)
           VALUES ('{rid}', 'platform', 'T <t@example.com>', now());
         INSERT INTO conversations (restaurant_id, id, channel, state_enc, created_at, updated_at)
           VALUES ('{rid}', '{conv}', 'web', 'x', now(), now());
         INSERT INTO conversation_messages (restaurant_id, id, conversation_id, position, role, body_enc, created_at)
           VALUES ('{rid}', gen_random_uuid(), '{conv}', 0, 'guest', 'x', now());
         INSERT INTO conversation_files (restaurant_id, id, conversation_id, object_key, name_enc, content_type, size, created_at)
           VALUES ('{rid}', gen_random_uuid(), '{conv}', 'k', 'x', 'image/png', 1, now());
         INSERT INTO agent_settings (restaurant_id, model_base_url, model_name, updated_at)
           VALUES ('{rid}', 'http://127.0.0.1:9/v1', 'm', now());
         INSERT INTO faq_entries (restaurant_id, id, position, question_de, answer_de, question_en, answer_en)
           VALUES ('{rid}', gen_random_uuid(), 0, 'Hunde?', 'Ja.', '', '');
         INSERT INTO privacy_exports (restaurant_id, id, status, subject_hash, requested_by, created_at, expires_at)
           VALUES ('{rid}', gen_random_uuid(), 'queued', repeat('a', 64), 'user:x', now(), now());
         WITH i AS (INSERT INTO incidents (id, learned_at, contact, description, data_categories, subjects_approx, records_approx,
                                           consequences, measures_taken, measures_planned, restaurant_ids, created_by, created_at)
                    VALUES (gen_random_uuid(), now(), 'c', 'd', 'k', 0, 0, 'c', 'm', 'p', ARRAY['{rid}'::uuid], 'x', now()) RETURNING id)
           INSERT INTO incident_notices (restaurant_id, incident_id) SELECT '{rid}', id FROM i;
         WITH c AS (INSERT INTO sub_processor_changes (id, kind, key, name, service, location, basis, reason, announced_at, effective_at, created_by)
                    VALUES (gen_random_uuid(), 'add', 'x_test', 'X', 's', 'l', 'b', 'r', now(), now(), 'x') RETURNING id)
           INSERT INTO sub_processor_objections (restaurant_id, change_id, reason, objected_by, at) SELECT '{rid}', id, 'r', 'x', now() FROM c;
         INSERT INTO privacy_requests (restaurant_id, id, kind, channel, requester_enc, details_enc, received_at, due_at, recorded_by)
           VALUES ('{rid}', gen_random_uuid(), 'access', 'email', 'x', 'x', now(), now(), 'x');
         INSERT INTO instructions (restaurant_id, id, form, given_at, body, recorded_by, created_at)
           VALUES ('{rid}', gen_random_uuid(), 'written', now(), 'b', 'x', now());
         INSERT INTO widget_settings (restaurant_id, origins, updated_at)
           VALUES ('{rid}', '{{https://www.example.de}}', now());
         INSERT INTO stats_days (restaurant_id, day, starts_at, ends_at, rules_key, summary, guests, computed_at)
           VALUES ('{rid}', '2026-11-01', '2026-10-31 23:00+00', '2026-11-01 23:00+00', 'k', '{{}}', '{{}}', now());",
        a = Uuid::new_v4(),
        t = Uuid::new_v4(),
        c = Uuid::new_v4(),
        g = Uuid::new_v4(),
        res = Uuid::new_v4(),
        call = Uuid::new_v4(),
        conv = Uuid::new_v4(),
    );
    let mut tx = db
        .app_pool()
        .await
        .expect("pool")
        .begin()
        .await
        .expect("begin");
    sqlx::raw_sql(&sql)
        .execute(&mut *tx)
        .await
        .expect("fixture rows");
    tx.commit().await.expect("commit");
}

#[tokio::test]
async fn catalog_every_tenant_table_is_isolated_and_audited() {
    let db = fresh_db().await.expect("db");
    let mut c = db.owner_conn().await.expect("owner");
    let v = catalog_violations(&mut c, APP_ROLE).await;
    assert!(v.is_empty(), "catalog violations: {v:#?}");
}

#[tokio::test]
async fn catalog_guard_goes_red_when_a_policy_trigger_or_force_is_removed() {
    let db = fresh_db().await.expect("db");
    let mut su = db.superuser_conn().await.expect("superuser");
    // Roles are cluster-wide and other tests run at the same time: role checks use a role of
    // this test's own, never the shared app role.
    let role = format!("{}_app", db.name);
    sqlx::raw_sql(&format!("CREATE ROLE {role} NOSUPERUSER NOBYPASSRLS"))
        .execute(&mut su)
        .await
        .expect("role");
    assert!(catalog_violations(&mut su, &role).await.is_empty());
    for (break_it, expect) in [
        (
            "DROP POLICY tenant_isolation ON api_tokens".to_string(),
            "api_tokens: no tenant policy",
        ),
        (
            "DROP TRIGGER audit ON invites".to_string(),
            "invites: no audit trigger",
        ),
        (
            "ALTER TABLE memberships NO FORCE ROW LEVEL SECURITY".to_string(),
            "memberships: row-level security not forced",
        ),
        (
            "CREATE TABLE notes (restaurant_id uuid NOT NULL, body text)".to_string(),
            "notes: row-level security not enabled",
        ),
        (
            format!("ALTER ROLE {role} BYPASSRLS"),
            "app role has BYPASSRLS",
        ),
        (
            format!("CREATE TABLE owned_by_app (x int); ALTER TABLE owned_by_app OWNER TO {role}"),
            "app role owns",
        ),
    ] {
        sqlx::raw_sql(&break_it)
            .execute(&mut su)
            .await
            .expect("break");
        let v = catalog_violations(&mut su, &role).await;
        assert!(
            v.iter().any(|m| m.starts_with(expect)),
            "after `{break_it}` expected a violation starting {expect:?}, got {v:#?}"
        );
    }
}

#[tokio::test]
async fn app_role_with_tenant_a_cannot_read_change_or_create_rows_of_tenant_b() {
    let db = fresh_db().await.expect("db");
    let store = store_for(&db).await;
    let (a, b) = two_restaurants(&db, &store).await;
    let mut c = PgConnection::connect_with(&db.targets.app)
        .await
        .expect("app conn");
    let tables = tenant_tables(&mut c).await;
    assert!(tables.len() >= 5, "{tables:?}");
    for t in &tables {
        let mut tx = c.begin().await.expect("begin");
        sqlx::query("SELECT set_config('app.restaurant_id', $1, true)")
            .bind(a.to_string())
            .execute(&mut *tx)
            .await
            .expect("set");
        let seen_b: i64 = sqlx::query_scalar(&format!(
            "SELECT count(*) FROM {t} WHERE restaurant_id = $1"
        ))
        .bind(b)
        .fetch_one(&mut *tx)
        .await
        .expect("select");
        assert_eq!(seen_b, 0, "{t}: tenant A sees rows of B");
        let seen_a: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM {t}"))
            .fetch_one(&mut *tx)
            .await
            .expect("select");
        assert!(
            seen_a > 0,
            "{t}: tenant A should see its own rows (fixture incomplete)"
        );
        // Append-only tables refuse UPDATE (and the protocol DELETE) to the app role outright;
        // that is checked in `append_only_logs_refuse_changes_to_the_app_role`.
        let may_update = !["audit_log", "voice_events", "deletion_protocol"].contains(&t.as_str());
        let may_delete = !["audit_log", "deletion_protocol"].contains(&t.as_str());
        if may_update {
            let upd = sqlx::query(&format!(
                "UPDATE {t} SET restaurant_id = restaurant_id WHERE restaurant_id = $1"
            ))
            .bind(b)
            .execute(&mut *tx)
            .await
            .expect("update");
            assert_eq!(upd.rows_affected(), 0, "{t}: tenant A updated rows of B");
        }
        if may_delete {
            let del = sqlx::query(&format!("DELETE FROM {t} WHERE restaurant_id = $1"))
                .bind(b)
                .execute(&mut *tx)
                .await
                .expect("delete");
            assert_eq!(del.rows_affected(), 0, "{t}: tenant A deleted rows of B");
        }
        tx.commit().await.expect("commit");

        // Inserting a row that carries B's id, or moving A's row to B, is refused.
        for sql in [
            format!("INSERT INTO {t} (restaurant_id) VALUES ($1)"),
            format!("UPDATE {t} SET restaurant_id = $1"),
        ] {
            let mut tx = c.begin().await.expect("begin");
            sqlx::query("SELECT set_config('app.restaurant_id', $1, true)")
                .bind(a.to_string())
                .execute(&mut *tx)
                .await
                .expect("set");
            let err = sqlx::query(&sql).bind(b).execute(&mut *tx).await;
            let code = err
                .as_ref()
                .err()
                .and_then(|e| e.as_database_error())
                .and_then(|e| e.code())
                .map(|c| c.to_string());
            assert_eq!(
                code.as_deref(),
                Some("42501"),
                "{t}: `{sql}` with B's id gave {err:?}"
            );
            tx.rollback().await.expect("rollback");
        }
    }
    // B's rows are all still there.
    let mut tx = c.begin().await.expect("begin");
    sqlx::query("SELECT set_config('app.restaurant_id', $1, true)")
        .bind(b.to_string())
        .execute(&mut *tx)
        .await
        .expect("set");
    for t in &tables {
        let n: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM {t}"))
            .fetch_one(&mut *tx)
            .await
            .expect("count");
        assert!(n > 0, "{t}: B lost rows");
    }
}

#[tokio::test]
async fn app_role_without_tenant_sees_nothing_even_on_a_reused_connection() {
    let db = fresh_db().await.expect("db");
    let store = store_for(&db).await;
    let (a, _) = two_restaurants(&db, &store).await;
    let mut c = PgConnection::connect_with(&db.targets.app)
        .await
        .expect("app conn");
    // Use the connection for a tenant first: the setting is left behind as '' afterwards.
    let mut tx = c.begin().await.expect("begin");
    sqlx::query("SELECT set_config('app.restaurant_id', $1, true)")
        .bind(a.to_string())
        .execute(&mut *tx)
        .await
        .expect("set");
    tx.commit().await.expect("commit");
    for t in tenant_tables(&mut c).await {
        let n: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM {t}"))
            .fetch_one(&mut c)
            .await
            .unwrap_or_else(|e| panic!("{t}: query without tenant failed: {e}"));
        assert_eq!(n, 0, "{t}: rows visible without a tenant");
    }
}

#[tokio::test]
async fn tenant_tx_of_a_shows_only_a_through_the_store() {
    let db = fresh_db().await.expect("db");
    let store = store_for(&db).await;
    let (a, b) = two_restaurants(&db, &store).await;
    let mut tx = store.tenant(a, &Actor::System).await.expect("tx");
    let members = tx.members().await.expect("members");
    assert_eq!(members.len(), 1);
    assert_eq!(members[0].email, "owner@alpha.example");
    assert_eq!(tx.api_tokens().await.expect("tokens").len(), 1);
    assert_eq!(tx.open_invites().await.expect("invites").len(), 1);
    assert_eq!(tx.restaurant().await.expect("restaurant").id, a);
    let other_owner = store
        .user_by_email("owner@beta.example")
        .await
        .expect("q")
        .expect("user");
    assert_eq!(tx.role_of(other_owner.id).await.expect("role"), None);
    drop(tx);
    // A user's own memberships across restaurants: exactly theirs.
    let mine = store.restaurants_of(other_owner.id).await.expect("mine");
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].id, b);
}

#[tokio::test]
async fn audit_log_records_actor_table_row_and_columns_but_no_values() {
    let db = fresh_db().await.expect("db");
    let store = store_for(&db).await;
    let (a, _) = two_restaurants(&db, &store).await;
    let user = store
        .user_by_email("owner@alpha.example")
        .await
        .expect("q")
        .expect("user");
    let mut tx = store.tenant(a, &Actor::User(user.id)).await.expect("tx");
    tx.set_require_owner_2fa(true).await.expect("set");
    tx.commit().await.expect("commit");
    let mut tx = store.tenant(a, &Actor::System).await.expect("tx");
    let entries = tx
        .audit_entries(&hs_store::team::AuditFilter {
            table: Some("restaurant_settings".into()),
            action: Some("update".into()),
            limit: 10,
            ..Default::default()
        })
        .await
        .expect("audit");
    assert_eq!(entries.len(), 1, "{entries:?}");
    let e = &entries[0];
    assert_eq!(e.actor, format!("user:{}", user.id));
    assert_eq!(e.row_id, a.to_string());
    assert_eq!(e.changed_columns, vec!["require_owner_2fa", "updated_at"]);
    // Invites carry an email: the audit row names the column, never the address.
    let all = tx
        .audit_entries(&hs_store::team::AuditFilter {
            limit: 500,
            ..Default::default()
        })
        .await
        .expect("audit");
    let dump = format!("{all:?}");
    assert!(
        dump.contains("\"email\""),
        "insert of invite lists the email column: {dump}"
    );
    assert!(
        !dump.contains("@alpha.example"),
        "audit must not hold values: {dump}"
    );
    drop(tx);
    // The app role cannot write or erase the audit log itself.
    let mut c = PgConnection::connect_with(&db.targets.app)
        .await
        .expect("conn");
    for sql in [
        "DELETE FROM audit_log",
        "UPDATE audit_log SET actor = 'x'",
        "INSERT INTO audit_log (restaurant_id, at, actor, table_name, row_id, action, changed_columns) VALUES (gen_random_uuid(), now(), 'x', 't', 'r', 'insert', '{}')",
    ] {
        let r = sqlx::query(sql).execute(&mut c).await;
        let denied = r.as_ref().err().and_then(|e| e.as_database_error()).and_then(|e| e.code()).is_some_and(|c| c == "42501");
        assert!(denied, "`{sql}` should be denied: {r:?}");
    }
}

#[tokio::test]
async fn append_only_logs_refuse_changes_to_the_app_role() {
    let db = fresh_db().await.expect("db");
    let store = store_for(&db).await;
    let (a, _) = two_restaurants(&db, &store).await;
    let mut c = PgConnection::connect_with(&db.targets.app)
        .await
        .expect("app conn");
    for sql in [
        "UPDATE voice_events SET name = 'x'",
        "UPDATE deletion_protocol SET rows_affected = 0",
        "DELETE FROM deletion_protocol",
    ] {
        let mut tx = c.begin().await.expect("begin");
        sqlx::query("SELECT set_config('app.restaurant_id', $1, true)")
            .bind(a.to_string())
            .execute(&mut *tx)
            .await
            .expect("set");
        let err = sqlx::query(sql).execute(&mut *tx).await;
        let code = err
            .as_ref()
            .err()
            .and_then(|e| e.as_database_error())
            .and_then(|e| e.code())
            .map(|c| c.to_string());
        assert_eq!(code.as_deref(), Some("42501"), "`{sql}` gave {err:?}");
        tx.rollback().await.expect("rollback");
    }
}
