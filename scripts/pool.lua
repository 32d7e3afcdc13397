-- Public pool reclaim (公海回收).
local M = {}

-- Customers with no follow-up for this many days go back to the pool...
M.idle_days = 90
-- ...except these levels, which their owners keep.
M.kept_levels = { vip = true }

-- Daily: return idle customers to the public pool and tell their former owners.
function M.reclaim(ctx)
  local cutoff = kith.add_days(ctx.now, -M.idle_days)
  local idle = kith.find("customer", { owner = { not_empty = true }, last_contact_at = { lt = cutoff } }, { limit = 1000 })
  local never = kith.find("customer",
    { owner = { not_empty = true }, last_contact_at = { empty = true }, created_at = { lt = cutoff } }, { limit = 1000 })
  local count = 0
  for _, list in ipairs({ idle, never }) do
    for _, customer in ipairs(list) do
      if not M.kept_levels[customer.level] then
        local owner = customer.owner
        kith.release("customer", customer.id)
        kith.update("customer", customer.id, { released_at = ctx.now })
        kith.notify(owner, string.format("%s went back to the public pool after %d days without follow-up (客户已退回公海)",
          customer.name, M.idle_days), { record = customer })
        count = count + 1
      end
    end
  end
  return count
end

return M
