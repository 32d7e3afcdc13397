-- Customer level upgrade by the total of paid orders (客户级别自动升迁).
local M = {}

-- Levels by total of paid orders, highest first. A customer is only ever raised automatically;
-- lowering a level is a manager's decision.
M.thresholds = {
  { level = "vip", total = 1000000 },
  { level = "gold", total = 200000 },
  { level = "silver", total = 50000 },
}
M.paid_states = { "paid", "completed" }
local rank = { normal = 0, silver = 1, gold = 2, vip = 3 }

-- The level a paid total earns.
function M.level_for(total)
  for _, threshold in ipairs(M.thresholds) do
    if total >= threshold.total then return threshold.level end
  end
  return "normal"
end

-- After-save on order: when an order becomes paid, record the customer's paid total and raise
-- the level it earns; the customer's owner is told.
function M.upgrade(ctx)
  local order = ctx.record
  if order.state ~= "paid" or not ctx.changed("state") then return end
  local customer = kith.get("customer", order.customer)
  if customer == nil then return end
  local total = kith.sum("order", "amount", { customer = order.customer, state = { ["in"] = M.paid_states } })
  local level = M.level_for(total)
  local changes = { paid_total = total }
  if (rank[level] or 0) > (rank[customer.level] or 0) then changes.level = level end
  kith.update("customer", customer.id, changes)
  if changes.level and customer.owner then
    kith.notify(customer.owner,
      string.format("Customer %s is now %s: paid orders total %s (客户升级)", customer.name, level, tostring(total)),
      { record = customer })
  end
end

return M
