-- Public pool reclaim (公海回收).
--
-- Placeholder: the rules runtime (KithScript) does not run hooks yet. Each function below
-- keeps its name and documents what the rules issue makes it do; until then it does nothing.
local M = {}

-- Return customers with no follow-up for 90 days (or no order for 180) to the public pool.
function M.reclaim(ctx)
end

return M
