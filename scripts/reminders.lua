-- Scheduled reminders (提醒).
--
-- Placeholder: the rules runtime (KithScript) does not run hooks yet. Each function below
-- keeps its name and documents what the rules issue makes it do; until then it does nothing.
local M = {}

-- Remind owners of customers not contacted within their follow-up frequency.
function M.stale_followups(ctx)
end

-- Remind contact owners of today's birthdays.
function M.birthdays(ctx)
end

-- Remind owners of signed contracts ending within 60 days.
function M.contract_expiry(ctx)
end

-- Remind owners and finance of payment plans due within 7 days or overdue, and mark overdue ones.
function M.receivables_due(ctx)
end

return M
