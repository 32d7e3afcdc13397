-- Approval routes and guards for quotes, contracts, orders and expenses.
--
-- Placeholder: the rules runtime (KithScript) does not run hooks yet. Each function below
-- keeps its name and documents what the rules issue makes it do; until then it does nothing.
local M = {}

-- Route of a quote: discount over 10% needs the sales manager; over 20% also the executive.
function M.quote_route(ctx)
end

-- Route of a contract: the sales manager, then legal and finance together (会签, mode all).
function M.contract_route(ctx)
end

-- Route of an order: the manager; over the customer's credit limit or 500,000 also finance.
function M.order_route(ctx)
end

-- Route of an expense: the manager; over 5,000 also finance.
function M.expense_route(ctx)
end

-- Guard: an approved expense can be reopened only before it is reimbursed.
function M.can_reopen(ctx)
end

-- On reimbursement: stamp paid_on with today's date.
function M.stamp_paid(ctx)
end

return M
