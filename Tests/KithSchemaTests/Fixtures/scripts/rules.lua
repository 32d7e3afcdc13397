local M = {}
function M.route(ctx) return { { approvers = { "manager" }, mode = "any" } } end
function M.check(ctx) end
function M.daily(ctx) end
return M
