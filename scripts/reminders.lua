-- Scheduled reminders (提醒): follow-ups, birthdays, contract expiry, receivables.
local M = {}

-- Days without contact before a customer needs a follow-up, by level (VIP weekly, gold every
-- two weeks, ...). A customer's own follow-up frequency applies when it is shorter.
M.days_by_level = { vip = 7, gold = 14, silver = 30, normal = 90 }
M.days_by_frequency = { weekly = 7, biweekly = 14, monthly = 30, quarterly = 90 }
-- Contracts ending within this many days are announced.
M.contract_notice_days = 30
-- Installments due within this many days are announced; past due ones are marked overdue.
M.receivable_notice_days = 3

local function remind(user, text, record)
  if user ~= nil then kith.remind(user, text, kith.now(), { record = record }) end
end

-- Weekdays: owners of customers not contacted for longer than their level allows.
function M.stale_followups(ctx)
  local count = 0
  for level, days in pairs(M.days_by_level) do
    local cutoff = kith.add_days(ctx.now, -math.min(days, M.days_by_frequency.weekly))
    local stale = kith.find("customer", { level = level, owner = { not_empty = true }, last_contact_at = { lt = cutoff } }, { limit = 1000 })
    local never = kith.find("customer", { level = level, owner = { not_empty = true }, last_contact_at = { empty = true }, created_at = { lt = cutoff } }, { limit = 1000 })
    for _, list in ipairs({ stale, never }) do
      for _, customer in ipairs(list) do
        local allowed = math.min(days, M.days_by_frequency[customer.follow_up_frequency] or days)
        local last = customer.last_contact_at or customer.created_at
        local idle = kith.days_between(last, ctx.now)
        if idle >= allowed then
          remind(customer.owner, string.format("Follow up with %s: no contact for %d days (客户跟进提醒)", customer.name, idle), customer)
          count = count + 1
        end
      end
    end
  end
  return count
end

-- Daily: the owners of contacts whose birthday is today.
function M.birthdays(ctx)
  local month_day = ctx.today:sub(5)   -- "-MM-DD"
  local count = 0
  for _, contact in ipairs(kith.find("contact", { birthday = { contains = month_day } }, { limit = 1000 })) do
    if contact.birthday:sub(5) == month_day then
      remind(contact.owner, string.format("Today is %s's birthday (联系人生日)", contact.name), contact)
      count = count + 1
    end
  end
  return count
end

-- Weekly: owners of signed contracts ending within the notice period.
function M.contract_expiry(ctx)
  local until_day = kith.add_days(ctx.today, M.contract_notice_days)
  local contracts = kith.find("contract",
    { state = "signed", ends_on = { between = { ctx.today, until_day } } }, { sort = "ends_on", limit = 1000 })
  for _, contract in ipairs(contracts) do
    remind(contract.owner, string.format("Contract %s ends on %s, in %d days (合同到期提醒)",
      contract.title, contract.ends_on, kith.days_between(ctx.today, contract.ends_on)), contract)
  end
  return #contracts
end

-- Daily: installments due soon are announced to their owners; those past due become overdue.
function M.receivables_due(ctx)
  local until_day = kith.add_days(ctx.today, M.receivable_notice_days)
  local plans = kith.find("payment_plan",
    { status = { ["in"] = { "planned", "partial", "overdue" } }, due_on = { lte = until_day } }, { sort = "due_on", limit = 1000 })
  for _, plan in ipairs(plans) do
    local open = plan.amount - (plan.paid_amount or 0)
    if plan.due_on < ctx.today then
      if plan.status ~= "overdue" then kith.update("payment_plan", plan.id, { status = "overdue" }) end
      remind(plan.owner, string.format("Receivable of %s was due on %s and is overdue (应收款逾期)", tostring(open), plan.due_on), plan)
    else
      remind(plan.owner, string.format("Receivable of %s is due on %s (应收款到期提醒)", tostring(open), plan.due_on), plan)
    end
  end
  return #plans
end

return M
