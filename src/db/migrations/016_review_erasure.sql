-- Hardening (issue 16): a customer's reviews are erased by order id (DELETE /v1/reviews/by-order/{order_id});
-- the lookup needs an index on the order id.
create index reviews_order_idx on reviews (order_id) where order_id is not null;
