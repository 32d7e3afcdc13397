-- Payment plans and payments received (收款计划, 回款).
--
-- Placeholder: the rules runtime (KithScript) does not run hooks yet. Each function below
-- keeps its name and documents what the rules issue makes it do; until then it does nothing.
local M = {}

-- On submitting an order: create its payment plan from the payment terms.
function M.plan_from_order(ctx)
end

-- On confirming a payment: add it to the order's and the installment's received amounts.
function M.apply(ctx)
end

return M
