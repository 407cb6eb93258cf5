//! The statistics page `/stats` (owners and managers): the figures of a range with their
//! change against the range before, charts drawn here as SVG (line, bar, heatmap; no script),
//! each with a title and its data as a table, and every table as CSV (`/stats/{table}.csv`).

use crate::auth::InRestaurant;
use crate::extract::query_param;
use crate::render::{render, PageCtx, PageError};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use chrono::{Datelike, Duration, NaiveDate};
use hs_domain::stats::{change, Figures, Headline, Row};
use hs_domain::Role;
use hs_service::{stats, StoreError};
use minijinja::{context, Value};

/// The asked range: `from` and `to`, else the 30 days up to today.
async fn asked(
    state: &AppState,
    r: &InRestaurant,
    uri: &Uri,
) -> Result<(NaiveDate, NaiveDate), StoreError> {
    let date = |k: &str| -> Result<Option<NaiveDate>, StoreError> {
        match query_param(uri, k) {
            None => Ok(None),
            Some(v) if v.is_empty() => Ok(None),
            Some(v) => hs_domain::validate::date_iso(&v)
                .map(Some)
                .map_err(|e| StoreError::invalid(k, e)),
        }
    };
    let (from, to) = (date("from")?, date("to")?);
    let to = match to {
        Some(t) => t,
        None => stats::today(&state.services, &r.service()).await?,
    };
    Ok((from.unwrap_or(to - Duration::days(29)), to))
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A line chart of `points` (label, value), with its title.
fn line_chart(title: &str, points: &[(String, f64)]) -> String {
    let (w, h, pad) = (720.0, 200.0, 32.0);
    let max = points.iter().map(|p| p.1).fold(0.0, f64::max).max(1.0);
    let n = points.len().max(2) as f64 - 1.0;
    let xy = |i: usize, v: f64| {
        (
            pad + (w - 2.0 * pad) * i as f64 / n,
            h - pad - (h - 2.0 * pad) * v / max,
        )
    };
    let path: Vec<String> = points
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let (x, y) = xy(i, p.1);
            format!("{x:.1},{y:.1}")
        })
        .collect();
    let first = points.first().map(|p| p.0.as_str()).unwrap_or("");
    let last = points.last().map(|p| p.0.as_str()).unwrap_or("");
    format!(
        "<svg viewBox=\"0 0 {w} {h}\" class=\"chart\" role=\"img\" aria-label=\"{t}\"><title>{t}</title>\
         <line x1=\"{pad}\" y1=\"{b}\" x2=\"{r}\" y2=\"{b}\" class=\"axis\"/>\
         <text x=\"{pad}\" y=\"{ty}\" class=\"tick\">{first}</text><text x=\"{r}\" y=\"{ty}\" class=\"tick\" text-anchor=\"end\">{last}</text>\
         <text x=\"4\" y=\"{top}\" class=\"tick\">{max}</text>\
         <polyline points=\"{p}\" class=\"line\"/></svg>",
        t = escape(title),
        b = h - pad,
        r = w - pad,
        ty = h - 10.0,
        top = pad,
        max = max.round(),
        first = escape(first),
        last = escape(last),
        p = path.join(" "),
    )
}

/// A horizontal bar chart of (label, value, shown value).
fn bar_chart(title: &str, bars: &[(String, f64, String)]) -> String {
    let (w, row, label_w) = (720.0, 26.0, 200.0);
    let h = row * bars.len().max(1) as f64 + 8.0;
    let max = bars.iter().map(|b| b.1).fold(0.0, f64::max).max(1e-9);
    let mut out = format!(
        "<svg viewBox=\"0 0 {w} {h}\" class=\"chart\" role=\"img\" aria-label=\"{t}\"><title>{t}</title>",
        t = escape(title)
    );
    for (i, (label, v, shown)) in bars.iter().enumerate() {
        let y = 4.0 + row * i as f64;
        let len = (w - label_w - 80.0) * v / max;
        out.push_str(&format!(
            "<text x=\"{lx}\" y=\"{ty}\" class=\"tick\" text-anchor=\"end\">{l}</text>\
             <rect x=\"{label_w}\" y=\"{y}\" width=\"{len:.1}\" height=\"{bh}\" class=\"bar\"/>\
             <text x=\"{vx:.1}\" y=\"{ty}\" class=\"tick\">{s}</text>",
            lx = label_w - 8.0,
            ty = y + row * 0.65,
            l = escape(label),
            bh = row - 8.0,
            vx = label_w + len + 6.0,
            s = escape(shown),
        ));
    }
    out.push_str("</svg>");
    out
}

/// The weekday × hour heatmap (hours with any value, or 17 to 23).
fn heatmap(title: &str, weekdays: &[String], cells: &[Vec<f64>]) -> (String, Vec<usize>) {
    // The restaurant's day from 05:00, so the hours after midnight follow the evening.
    let mut hours: Vec<usize> = (5..29)
        .map(|h| h % 24)
        .filter(|h| {
            cells
                .iter()
                .any(|w| w.get(*h).copied().unwrap_or(0.0) > 0.0)
        })
        .collect();
    if hours.is_empty() {
        hours = (17..24).collect();
    }
    // Shades relative to the fullest hour, so a quiet restaurant's pattern shows too; each
    // cell's title and the table give the value itself.
    let fullest = cells
        .iter()
        .flat_map(|w| w.iter().copied())
        .fold(0.0, f64::max)
        .max(1e-9);
    let (cw, ch, left, top) = (34.0, 24.0, 90.0, 22.0);
    let w = left + cw * hours.len() as f64 + 8.0;
    let h = top + ch * 7.0 + 8.0;
    let mut out = format!(
        "<svg viewBox=\"0 0 {w} {h}\" class=\"chart heat\" role=\"img\" aria-label=\"{t}\"><title>{t}</title>",
        t = escape(title)
    );
    for (j, hour) in hours.iter().enumerate() {
        out.push_str(&format!(
            "<text x=\"{x:.1}\" y=\"14\" class=\"tick\" text-anchor=\"middle\">{hour}</text>",
            x = left + cw * j as f64 + cw / 2.0
        ));
    }
    for (i, day) in weekdays.iter().enumerate() {
        let y = top + ch * i as f64;
        out.push_str(&format!(
            "<text x=\"{x}\" y=\"{ty:.1}\" class=\"tick\" text-anchor=\"end\">{d}</text>",
            x = left - 6.0,
            ty = y + ch * 0.65,
            d = escape(day)
        ));
        for (j, hour) in hours.iter().enumerate() {
            let v = cells
                .get(i)
                .and_then(|w| w.get(*hour))
                .copied()
                .unwrap_or(0.0);
            out.push_str(&format!(
                "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{cw1}\" height=\"{ch1}\" fill-opacity=\"{o:.2}\" class=\"cell\"><title>{d} {hour}:00 {p}</title></rect>",
                x = left + cw * j as f64,
                cw1 = cw - 2.0,
                ch1 = ch - 2.0,
                o = 0.06 + 0.94 * (v / fullest).min(1.0),
                d = escape(day),
                p = percent(Some(v)),
            ));
        }
    }
    out.push_str("</svg>");
    (out, hours)
}

fn percent(x: Option<f64>) -> String {
    x.map(|v| format!("{:.1} %", v * 100.0))
        .unwrap_or_else(|| "–".into())
}

/// A figure with its change against the range before, as the page shows it; a rising no-show
/// or cancellation rate is shown as bad.
fn card(key: &str, now: f64, before: f64, shown: String, rate: bool) -> Value {
    let bad_when_up = matches!(key, "no_show_rate" | "cancellation_rate");
    let (better, worse) = if bad_when_up {
        (now < before, now > before)
    } else {
        (now > before, now < before)
    };
    let delta = if rate {
        Some(now - before)
            .filter(|_| before != 0.0 || now != 0.0)
            .map(|d| format!("{:+.1} pp", d * 100.0))
    } else {
        change(now, before).map(|c| format!("{:+.0} %", c * 100.0))
    };
    context! { key, shown, delta, better, worse }
}

fn cards(now: &Headline, before: &Headline) -> Vec<Value> {
    let f = |x: u32| f64::from(x);
    let r = |x: Option<f64>| x.unwrap_or(0.0);
    vec![
        card(
            "reservations",
            f(now.volume.reservations),
            f(before.volume.reservations),
            now.volume.reservations.to_string(),
            false,
        ),
        card(
            "covers",
            f(now.volume.covers),
            f(before.volume.covers),
            now.volume.covers.to_string(),
            false,
        ),
        card(
            "occupancy",
            r(now.occupancy),
            r(before.occupancy),
            percent(now.occupancy),
            true,
        ),
        card(
            "no_show_rate",
            r(now.no_show_rate),
            r(before.no_show_rate),
            percent(now.no_show_rate),
            true,
        ),
        card(
            "cancellation_rate",
            r(now.cancellation_rate),
            r(before.cancellation_rate),
            percent(now.cancellation_rate),
            true,
        ),
        card(
            "calls",
            f(now.calls),
            f(before.calls),
            now.calls.to_string(),
            false,
        ),
        card(
            "chats",
            f(now.chats),
            f(before.chats),
            now.chats.to_string(),
            false,
        ),
        card(
            "new_guests",
            f(now.new_guests),
            f(before.new_guests),
            now.new_guests.to_string(),
            false,
        ),
        card(
            "returning_guests",
            f(now.returning_guests),
            f(before.returning_guests),
            now.returning_guests.to_string(),
            false,
        ),
    ]
}

fn rows(list: &[Row], label: impl Fn(&str) -> String) -> Vec<Value> {
    list.iter()
        .map(|r| {
            context! {
                label => label(&r.key), reservations => r.volume.reservations, covers => r.volume.covers,
                cancelled => r.volume.cancelled, no_shows => r.volume.no_shows,
                cancellation_rate => percent(r.cancellation_rate), no_show_rate => percent(r.no_show_rate),
            }
        })
        .collect()
}

fn show(
    state: &AppState,
    r: &InRestaurant,
    f: &Figures,
    status: StatusCode,
    error: Option<String>,
) -> Response {
    let page = PageCtx::in_restaurant(r);
    let t = |k: &str| page.translate(k);
    let weekdays: Vec<String> = (0..7).map(|d| t(&format!("weekday.{d}"))).collect();
    let days: Vec<(String, f64)> = f
        .by_day
        .iter()
        .map(|d| (d.key.clone(), f64::from(d.volume.covers)))
        .collect();
    let channel = |k: &str| t(&format!("channel.{k}"));
    let lead = |k: &str| t(&format!("stats.lead.{k}"));
    let bars = |list: &[Row], label: &dyn Fn(&str) -> String| -> Vec<(String, f64, String)> {
        list.iter()
            .map(|r| {
                (
                    label(&r.key),
                    f64::from(r.volume.reservations),
                    r.volume.reservations.to_string(),
                )
            })
            .collect()
    };
    let (heat, hours) = heatmap(&t("stats.heatmap"), &weekdays, &f.heatmap);
    let outcome = |k: &str| t(&format!("outcome.{k}"));
    let agent_bars = |o: &hs_domain::stats::Outcomes| -> Vec<(String, f64, String)> {
        o.by_outcome
            .iter()
            .map(|(k, n)| (outcome(k), f64::from(*n), n.to_string()))
            .collect()
    };
    let range_q = format!("from={}&to={}", f.range.from, f.range.to);
    let ctx = context! {
        from => f.range.from.to_string(), to => f.range.to.to_string(), days => f.range.days(),
        before_from => f.range.previous().from.to_string(), before_to => f.range.previous().to.to_string(),
        range_q, error,
        cards => cards(&f.headline, &f.before),
        line => line_chart(&t("stats.by_day"), &days),
        by_day => rows(&f.by_day, |k| k.to_string()),
        channel_chart => bar_chart(&t("stats.by_channel"), &bars(&f.by_channel, &channel)),
        by_channel => rows(&f.by_channel, channel),
        party_chart => bar_chart(&t("stats.by_party"), &bars(&f.by_party, &|k: &str| k.to_string())),
        by_party => rows(&f.by_party, |k| k.to_string()),
        lead_chart => bar_chart(&t("stats.by_lead"), &bars(&f.by_lead, &lead)),
        by_lead => rows(&f.by_lead, lead),
        heat, hours => hours.clone(),
        heat_rows => weekdays.iter().enumerate().map(|(i, d)| context! {
            day => d, cells => hours.iter().map(|h| percent(f.heatmap.get(i).and_then(|w| w.get(*h)).copied())).collect::<Vec<_>>(),
        }).collect::<Vec<_>>(),
        periods => f.periods.iter().map(|p| context! {
            name => p.name, openings => p.openings, covers => p.covers, parties => p.parties, capacity => p.capacity,
            occupancy => percent(p.occupancy), turns => p.turns.map(|x| format!("{x:.2}")).unwrap_or_else(|| "–".into()),
        }).collect::<Vec<_>>(),
        outside => f.outside_periods,
        calls_chart => bar_chart(&t("stats.calls"), &agent_bars(&f.calls)),
        chats_chart => bar_chart(&t("stats.chats"), &agent_bars(&f.chats)),
        calls => context! { total => f.calls.total, handed_over => percent(f.calls.handed_over_share), abandoned => percent(f.calls.abandoned_share) },
        chats => context! { total => f.chats.total, handed_over => percent(f.chats.handed_over_share), abandoned => percent(f.chats.abandoned_share) },
        agents => std::iter::once((t("stats.phone"), &f.calls)).chain(f.chats_by_channel.iter().map(|(c, o)| (t(&format!("inbox.channel.{c}")), o)))
            .flat_map(|(agent, o)| o.by_outcome.iter().map(move |(k, n)| context! { agent => agent.clone(), outcome => k, count => n }).collect::<Vec<_>>())
            .collect::<Vec<_>>(),
        guests => context! { new => f.guests.new, returning => f.guests.returning, unknown => f.guests.unknown_visits },
        quick => quick_ranges(f.range.to),
    };
    render(state, status, "stats.html", &page, ctx)
}

/// Links for the usual ranges ending on `to`: week, month, year, and the calendar month.
fn quick_ranges(to: NaiveDate) -> Vec<Value> {
    let month_start = to.with_day(1).unwrap_or(to);
    let year_start = NaiveDate::from_ymd_opt(to.year(), 1, 1).unwrap_or(to);
    [
        ("stats.quick.day", to, to),
        ("stats.quick.week", to - Duration::days(6), to),
        ("stats.quick.days30", to - Duration::days(29), to),
        ("stats.quick.month", month_start, to),
        ("stats.quick.year", year_start, to),
        ("stats.quick.days365", to - Duration::days(364), to),
    ]
    .into_iter()
    .map(|(key, from, to)| context! { key, from => from.to_string(), to => to.to_string() })
    .collect()
}

/// `GET /stats?from=&to=`.
pub async fn page(
    State(state): State<AppState>,
    r: InRestaurant,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, PageError> {
    if let Err(resp) = r.require(Role::Manager, &state, &headers) {
        return Ok(resp);
    }
    let computed = async {
        let (from, to) = asked(&state, &r, &uri).await?;
        let range = stats::range(from, to)?;
        stats::figures(&state.services, &r.service(), range).await
    }
    .await;
    match computed {
        Ok(f) => Ok(show(&state, &r, &f, StatusCode::OK, None)),
        Err(StoreError::Invalid { field, .. }) => {
            // The page again for the default range, saying which field was wrong.
            let today = stats::today(&state.services, &r.service()).await?;
            let range = stats::range(today - Duration::days(29), today)?;
            let f = stats::figures(&state.services, &r.service(), range).await?;
            let text = PageCtx::in_restaurant(&r).translate(&format!("stats.error.{field}"));
            Ok(show(
                &state,
                &r,
                &f,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(text),
            ))
        }
        Err(e) => Err(PageError(e)),
    }
}

/// `GET /stats/{table}.csv?from=&to=`.
pub async fn csv(
    State(state): State<AppState>,
    r: InRestaurant,
    headers: HeaderMap,
    Path(file): Path<String>,
    uri: Uri,
) -> Result<Response, PageError> {
    if let Err(resp) = r.require(Role::Manager, &state, &headers) {
        return Ok(resp);
    }
    let Some(table) = file.strip_suffix(".csv") else {
        return Err(PageError(StoreError::NotFound));
    };
    let (from, to) = asked(&state, &r, &uri).await?;
    let f = stats::figures(&state.services, &r.service(), stats::range(from, to)?).await?;
    let body = f.csv(table).ok_or(PageError(StoreError::NotFound))?;
    Ok(crate::render::csv_download(
        &format!("stats-{table}-{from}-{to}.csv"),
        body,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_escape_their_labels_and_carry_a_title() {
        let svg = bar_chart(
            "Nach \"Kanal\"",
            &[
                ("<script>".into(), 2.0, "2".into()),
                ("Team".into(), 1.0, "1".into()),
            ],
        );
        assert!(svg.contains("<title>Nach &quot;Kanal&quot;</title>"));
        assert!(svg.contains("&lt;script&gt;") && !svg.contains("<script>"));
        assert_eq!(svg.matches("<rect").count(), 2);
        let line = line_chart("Gäste", &[("2026-01-01".into(), 3.0)]);
        assert!(line.contains("<polyline") && line.contains("2026-01-01"));
    }

    #[test]
    fn the_heatmap_shows_the_hours_with_guests_from_the_morning_on() {
        let mut cells = vec![vec![0.0; 24]; 7];
        cells[4][20] = 0.5;
        cells[5][0] = 0.25;
        cells[5][12] = 0.1;
        let days: Vec<String> = (0..7).map(|d| d.to_string()).collect();
        let (svg, hours) = heatmap("H", &days, &cells);
        assert_eq!(hours, [12, 20, 0], "after midnight comes last");
        assert_eq!(svg.matches("class=\"cell\"").count(), 7 * 3);
        let (_, empty) = heatmap("H", &days, &vec![vec![0.0; 24]; 7]);
        assert_eq!(empty, (17..24).collect::<Vec<_>>());
    }
}
