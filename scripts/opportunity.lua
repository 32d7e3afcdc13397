-- Opportunity stage rules (商机阶段).
local M = {}

-- Win probability (%) of each stage.
M.probabilities = { qualify = 10, needs = 20, proposal = 40, negotiation = 70, won = 100, lost = 0 }

-- Before-save: the probability follows the stage, and the time of the stage change is stamped.
function M.stage_probability(ctx)
  local opportunity = ctx.record
  if ctx.old ~= nil and not ctx.changed("stage") then return end
  local probability = M.probabilities[opportunity.stage]
  if probability ~= nil then opportunity.probability = probability end
  opportunity.stage_changed_at = kith.now()
end

-- After-save: the owner's manager hears about every stage change.
function M.notify_stage_change(ctx)
  if ctx.old == nil or not ctx.changed("stage") then return end
  local opportunity = ctx.record
  if opportunity.owner == nil then return end
  local manager = kith.manager_of(opportunity.owner)
  if manager == nil then return end
  kith.notify(manager,
    string.format("Opportunity %s moved from %s to %s (商机阶段变更)", opportunity.title, ctx.old.stage, opportunity.stage),
    { record = opportunity })
end

return M
