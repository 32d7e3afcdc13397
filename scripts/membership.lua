-- Membership pack rules: points, renewals, expiry (会员).
local M = {}

-- Cards expiring within this many days are announced to their owners.
M.renewal_notice_days = 30

-- "2026-01-31" plus n months, the day clamped to the month's length ("2026-02-28").
function M.add_months(date, months)
  local year, month, day = date:match("^(%d+)-(%d+)-(%d+)")
  year, month, day = tonumber(year), tonumber(month) + months, tonumber(day)
  year = year + (month - 1) // 12
  month = (month - 1) % 12 + 1
  local last = ({ 31, (year % 4 == 0 and (year % 100 ~= 0 or year % 400 == 0)) and 29 or 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 })[month]
  return string.format("%04d-%02d-%02d", year, month, math.min(day, last))
end

-- After-save on points_entry: a new entry adds its change to the card's and the member's
-- points; a card's points may not go below zero.
function M.apply_points(ctx)
  if ctx.old ~= nil then return end
  local entry = ctx.record
  local card = kith.get("member_card", entry.card)
  local points = (card.points or 0) + entry.change
  if points < 0 then
    kith.reject("change", string.format("card %s has only %d points (积分不足)", card.card_number, card.points or 0))
  end
  kith.update("member_card", card.id, { points = points })
  local customer = kith.get("customer", card.customer)
  kith.update("customer", customer.id, { points = (customer.points or 0) + entry.change })
end

-- On paying a renewal: the card's expiry moves by the renewal's months (from today when it had
-- already expired) and an expired card is active again.
function M.extend_card(ctx)
  local renewal = ctx.record
  local card = kith.get("member_card", renewal.card)
  local base = card.expires_on
  if base == nil or base < renewal.renewed_on then base = renewal.renewed_on end
  kith.update("member_card", card.id, { expires_on = M.add_months(base, renewal.months or 12), plan = renewal.plan })
  if card.state == "expired" then kith.transition("member_card", card.id, "reactivate") end
end

-- Daily: owners hear about active cards expiring soon; cards past their date expire.
function M.renewals_due(ctx)
  local until_day = kith.add_days(ctx.today, M.renewal_notice_days)
  for _, card in ipairs(kith.find("member_card", { state = "active", expires_on = { lt = ctx.today } }, { limit = 1000 })) do
    kith.transition("member_card", card.id, "expire")
  end
  local soon = kith.find("member_card", { state = "active", expires_on = { between = { ctx.today, until_day } } },
    { sort = "expires_on", limit = 1000 })
  for _, card in ipairs(soon) do
    if card.owner then
      kith.remind(card.owner, string.format("Member card %s expires on %s (会员卡到期提醒)", card.card_number, card.expires_on),
        kith.now(), { record = card })
    end
  end
  return #soon
end

-- Yearly: each card's remaining points expire through an "expire" entry.
function M.expire_points(ctx)
  local count = 0
  for _, card in ipairs(kith.find("member_card", { points = { gt = 0 } }, { limit = 1000 })) do
    kith.create("points_entry", { card = card.id, reason = "expire", change = -card.points, notes = "yearly expiry " .. ctx.today })
    count = count + 1
  end
  return count
end

return M
