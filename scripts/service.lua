-- Service requests (服务请求).
--
-- Placeholder: the rules runtime (KithScript) does not run hooks yet. Each function below
-- keeps its name and documents what the rules issue makes it do; until then it does nothing.
local M = {}

-- On resolving: stamp resolved_at.
function M.stamp_resolution(ctx)
end

return M
