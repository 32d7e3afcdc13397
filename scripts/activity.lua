-- Follow-up records (行动记录).
local M = {}

-- After-save on activity: the customer's last contact is the latest follow-up that has happened
-- (a planned one, dated later, is not a contact yet), and the follow-up's next date becomes the
-- customer's.
function M.touch_customer(ctx)
  local activity = ctx.record
  if activity.customer == nil then return end
  local customer = kith.get("customer", activity.customer)
  if customer == nil then return end
  local changes = {}
  local happened = activity.occurred_at ~= nil and activity.occurred_at <= kith.now()
  if happened and (customer.last_contact_at == nil or activity.occurred_at > customer.last_contact_at) then
    changes.last_contact_at = activity.occurred_at
  end
  if activity.next_follow_up ~= nil then changes.next_follow_up = activity.next_follow_up end
  if next(changes) == nil then return end
  -- Rules act with the user's rights: someone who may log a follow-up but not edit the customer
  -- (service staff) still saves the follow-up; the customer is simply not stamped.
  local ok, problem = pcall(kith.update, "customer", customer.id, changes)
  if not ok then kith.log("customer " .. customer.id .. " not stamped: " .. tostring(problem)) end
end

return M
