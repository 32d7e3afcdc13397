-- Line totals of quotes, orders and commissions (exact decimals).
--
-- Placeholder: the rules runtime (KithScript) does not run hooks yet. Each function below
-- keeps its name and documents what the rules issue makes it do; until then it does nothing.
local M = {}

-- Before-save on quote: line amounts, subtotal, discount and total.
function M.quote(ctx)
end

-- Before-save on order: line amounts and the order amount.
function M.order(ctx)
end

-- Before-save on commission: amount = base_amount × rate / 100.
function M.commission(ctx)
end

return M
