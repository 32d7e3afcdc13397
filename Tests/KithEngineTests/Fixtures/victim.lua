-- A well-behaved rule whose globals, data and shared libraries the hostile rules try to change.
local M = { data = { secret = "safe" } }

function M.check()
  return M.data.secret .. "|" .. string.upper("x") .. "|" .. tostring(1) .. "|" .. type(1)
end

function M.verify(ctx)
  ctx.record.verified = M.check()
end

return M
