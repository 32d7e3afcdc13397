-- Customer level upgrade by the total of paid orders (客户级别自动升迁).
--
-- Placeholder: the rules runtime (KithScript) does not run hooks yet. Each function below
-- keeps its name and documents what the rules issue makes it do; until then it does nothing.
local M = {}

-- After-save on order: when an order is paid, raise the customer's level by its paid total (thresholds in one table).
function M.upgrade(ctx)
end

return M
