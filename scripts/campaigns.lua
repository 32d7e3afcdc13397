-- Marketing campaigns (市场活动).
local M = {}

-- Nightly: each campaign's actual leads, the leads that name it (a schedule runs as the system,
-- so the reps who enter leads need no right to change campaigns).
function M.count_leads(ctx)
  local last = 0
  repeat
    local batch = kith.find("campaign", { id = { gt = last } }, { sort = "id", limit = 500 })
    for _, campaign in ipairs(batch) do
      local leads = kith.count("lead", { campaign = campaign.id })
      if leads ~= (campaign.actual_leads or 0) then
        kith.update("campaign", campaign.id, { actual_leads = leads })
      end
      last = campaign.id
    end
  until #batch < 500
end

return M
