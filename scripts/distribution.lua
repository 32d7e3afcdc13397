-- Distribution pack rules: onboarding, channel orders, rebates, registration (渠道分销).
local M = {}

-- Tiers whose onboarding also needs the sales manager.
M.senior_tiers = { gold = true, platinum = true }
-- Days a registration protects an end customer when no date is given.
M.protection_days = 90
-- Registrations whose protection ends within this many days are announced.
M.protection_notice_days = 15
M.owing_states = { "pending", "approved", "shipped" }

local function step(approvers) return { approvers = approvers, mode = "any" } end

-- Route of a distributor application: the channel manager, then the sales manager for gold and above.
function M.onboarding_route(ctx)
  local steps = { step({ "role:channel_manager" }) }
  if M.senior_tiers[ctx.record.tier] then steps[#steps + 1] = step({ "role:sales_manager" }) end
  return steps
end

local function outstanding(distributor, except)
  local filter = { distributor = distributor, state = { ["in"] = M.owing_states } }
  if except then filter.id = { ne = except } end
  return kith.sum("channel_order", "amount", filter) - kith.sum("channel_order", "paid_amount", filter)
end

-- Route of a channel order: the channel manager; over the distributor's credit limit also finance.
function M.order_route(ctx)
  local order = ctx.record
  local steps = { step({ "role:channel_manager" }) }
  local distributor = kith.get("distributor", order.distributor)
  if distributor and distributor.credit_limit > 0 and outstanding(order.distributor, order.id) + order.amount > distributor.credit_limit then
    steps[#steps + 1] = step({ "role:finance" })
  end
  return steps
end

-- Before-save on channel_order: line amounts, the order amount, and the rebate at the distributor's rate.
function M.totals(ctx)
  local order = ctx.record
  if ctx.lines and ctx.lines.channel_order_line then
    local total = kith.decimal("0.00")
    for _, line in ipairs(ctx.lines.channel_order_line) do
      line.amount = (kith.decimal(line.quantity or 0) * (line.price or 0)):round(2)
      total = total + line.amount
    end
    order.amount = total
  end
  local distributor = kith.get("distributor", order.distributor)
  if distributor then order.rebate = (order.amount * (distributor.rebate_rate or 0) / 100):round(2) end
end

-- Before-save on channel_order: unpaid channel orders + this one may not exceed the credit limit (0: none).
function M.check_credit(ctx)
  local order = ctx.record
  if order.state ~= "draft" and order.state ~= "rejected" and order.state ~= "pending" then return end
  local distributor = kith.get("distributor", order.distributor)
  if distributor == nil or distributor.credit_limit <= 0 then return end
  local owed = outstanding(order.distributor, order.id)
  if owed + order.amount > distributor.credit_limit then
    kith.reject("amount", string.format("%s's credit limit is %s: unpaid orders %s + this order %s (渠道信用额度不足)",
      distributor.name, tostring(distributor.credit_limit), tostring(owed), tostring(order.amount)))
  end
end

-- Before-save on end_customer: a name another distributor holds under protection is refused;
-- a new registration is protected for 90 days unless a date is given.
function M.check_registration(ctx)
  local customer = ctx.record
  if customer.protected_until == nil then
    customer.protected_until = kith.add_days(customer.registered_on or kith.today(), M.protection_days)
  end
  if ctx.old and not ctx.changed("name") and not ctx.changed("distributor") then return end
  local holders = kith.find("end_customer", { protected_until = { gte = kith.today() }, distributor = { ne = customer.distributor } },
    { limit = 1000 })
  local wanted = customer.name:lower():gsub("%s+", "")
  for _, other in ipairs(holders) do
    if other.id ~= customer.id and other.name:lower():gsub("%s+", "") == wanted then
      local holder = kith.get("distributor", other.distributor)
      kith.reject("name", string.format("%s is registered by %s until %s (客户已被报备)", customer.name, holder.name, other.protected_until))
    end
  end
end

-- Monthly (on the 1st): each distributor's owner hears the rebate due on last month's completed orders.
function M.monthly_rebates(ctx)
  local first = ctx.today:sub(1, 8) .. "01"
  local last_month = kith.add_days(first, -1):sub(1, 8) .. "01"
  local count = 0
  for _, distributor in ipairs(kith.find("distributor", { state = "active", rebate_rate = { gt = 0 } }, { limit = 1000 })) do
    local filter = { distributor = distributor.id, state = "completed", ordered_on = { gte = last_month, lt = first } }
    local rebate = kith.sum("channel_order", "rebate", filter)
    if rebate > 0 and distributor.owner then
      kith.notify(distributor.owner, string.format("Rebate due to %s for %s: %s (月度返利)", distributor.name, last_month:sub(1, 7),
        tostring(rebate)), { record = distributor })
      count = count + 1
    end
  end
  return count
end

-- Daily: owners hear about registrations whose protection ends within 15 days.
function M.protection_expiry(ctx)
  local until_day = kith.add_days(ctx.today, M.protection_notice_days)
  local ending = kith.find("end_customer", { protected_until = { between = { ctx.today, until_day } } }, { limit = 1000 })
  for _, customer in ipairs(ending) do
    local distributor = kith.get("distributor", customer.distributor)
    local owner = distributor and distributor.owner
    if owner then
      kith.remind(owner, string.format("Protection of %s ends on %s (报备保护期到期)", customer.name, customer.protected_until),
        kith.now(), { record = customer })
    end
  end
  return #ending
end

return M
