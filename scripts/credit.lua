-- Credit check on orders (信用额度).
--
-- Placeholder: the rules runtime (KithScript) does not run hooks yet. Each function below
-- keeps its name and documents what the rules issue makes it do; until then it does nothing.
local M = {}

-- Before-save on order: outstanding receivables + this order > credit limit refuses the save, with the numbers.
function M.check_limit(ctx)
end

return M
