-- Hardening (issue 16): a customer's reviews are erased by order id (DELETE /v1/orders/{order_id}/reviews);
-- the lookup needs an index on the order id.
create index reviews_order_idx on reviews (order_id) where order_id is not null;
