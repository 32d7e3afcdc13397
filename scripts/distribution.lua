-- Distribution pack rules: onboarding, channel orders, rebates, registration (渠道分销).
--
-- Placeholder: the rules runtime (KithScript) does not run hooks yet. Each function below
-- keeps its name and documents what the rules issue makes it do; until then it does nothing.
local M = {}

-- Route of a distributor application: the channel manager, then the sales manager for gold and above.
function M.onboarding_route(ctx)
end

-- Route of a channel order: the channel manager; over the distributor's credit limit also finance.
function M.order_route(ctx)
end

-- Before-save on channel_order: line amounts, amount and rebate from the distributor's rate.
function M.totals(ctx)
end

-- Before-save on channel_order: refuse when unpaid channel orders + this one exceed the credit limit.
function M.check_credit(ctx)
end

-- Before-save on end_customer: refuse a name another distributor holds under protection.
function M.check_registration(ctx)
end

-- Monthly: total each distributor's completed orders and record the rebate due.
function M.monthly_rebates(ctx)
end

-- Daily: remind distributors' owners of registrations whose protection ends within 15 days.
function M.protection_expiry(ctx)
end

return M
