-- Service requests (服务工单).
local M = {}

-- On "resolve": stamp when the request was resolved.
function M.stamp_resolution(ctx)
  kith.update("service_request", ctx.record.id, { resolved_at = kith.now() })
end

return M
