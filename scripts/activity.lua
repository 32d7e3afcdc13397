-- Follow-up records (行动记录).
--
-- Placeholder: the rules runtime (KithScript) does not run hooks yet. Each function below
-- keeps its name and documents what the rules issue makes it do; until then it does nothing.
local M = {}

-- After-save: set the customer's last_contact_at and next_follow_up from the follow-up.
function M.touch_customer(ctx)
end

return M
