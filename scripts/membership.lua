-- Membership pack rules: points, renewals, expiry (会员).
--
-- Placeholder: the rules runtime (KithScript) does not run hooks yet. Each function below
-- keeps its name and documents what the rules issue makes it do; until then it does nothing.
local M = {}

-- After-save on points_entry: add the change to the card's and the member's points; refuse a negative balance.
function M.apply_points(ctx)
end

-- On paying a renewal: extend the card's expiry by the renewal's months and reactivate it.
function M.extend_card(ctx)
end

-- Remind owners of cards expiring within 30 days; expire cards past their date.
function M.renewals_due(ctx)
end

-- Once a year: write an expiry entry for each card's remaining points.
function M.expire_points(ctx)
end

return M
