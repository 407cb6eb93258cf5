-- Statistics read conversations by the time they began (hs_store::stats); without this index a
-- range read every conversation of the restaurant.
CREATE INDEX conversations_created_idx ON conversations (restaurant_id, created_at);
