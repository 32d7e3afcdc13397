-- Opportunity stage rules (商机阶段).
--
-- Placeholder: the rules runtime (KithScript) does not run hooks yet. Each function below
-- keeps its name and documents what the rules issue makes it do; until then it does nothing.
local M = {}

-- Before-save: set probability from the stage (qualify 10 … won 100, lost 0) and stamp stage_changed_at.
function M.stage_probability(ctx)
end

-- After-save: tell the owner's manager when the stage changes.
function M.notify_stage_change(ctx)
end

return M
