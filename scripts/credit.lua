-- Credit check on orders (信用额度).
--
-- Before-save on order: while an order is not yet approved, its customer's outstanding
-- receivables (orders pending, approved or shipped, less what was paid on them) plus this order
-- may not exceed the customer's credit limit. A limit of 0 means "no limit set".
local M = {}

-- Orders that still owe money.
M.owing_states = { "pending", "approved", "shipped" }
-- Orders the check applies to: those that can still be changed or are waiting for approval.
M.checked_states = { draft = true, rejected = true, pending = true }

-- What the customer owes on other orders.
function M.outstanding(customer, except_order)
  local filter = { customer = customer, state = { ["in"] = M.owing_states } }
  if except_order then filter.id = { ne = except_order } end
  return kith.sum("order", "amount", filter) - kith.sum("order", "paid_amount", filter)
end

function M.check_limit(ctx)
  local order = ctx.record
  if not M.checked_states[order.state] then return end
  if ctx.old and not (ctx.changed("amount") or ctx.changed("customer") or ctx.changed("state")) then return end
  local customer = kith.get("customer", order.customer)
  if customer == nil or customer.credit_limit == nil or customer.credit_limit <= 0 then return end
  local outstanding = M.outstanding(order.customer, order.id)
  local amount = order.amount or kith.decimal("0")
  if outstanding + amount > customer.credit_limit then
    kith.reject("amount", string.format(
      "%s's credit limit is %s: outstanding receivables %s + this order %s = %s (信用额度不足)",
      customer.name, tostring(customer.credit_limit), tostring(outstanding), tostring(amount), tostring(outstanding + amount)))
  end
end

return M
