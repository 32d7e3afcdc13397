-- The distribution pack's rules (scripts/distribution.lua), in the distribution example workspace.
local t = require("kith.test")
local distribution = require("distribution")

local function distributor(name, options)
  local values = { name = name, tier = "gold", credit_limit = "0", rebate_rate = "3" }
  for key, value in pairs(options or {}) do values[key] = value end
  return kith.create("distributor", values)
end

local function product()
  return kith.create("product", { name = "Router X1", code = "RX1-" .. tostring(kith.count("product", {})), price = "1500.00" })
end

local function order(d, price, quantity)
  return kith.create("channel_order", { distributor = d.id },
    { channel_order_line = { { product = product().id, quantity = quantity or 1, price = price } } })
end

t.case("channel order totals and the rebate at the distributor's rate", function()
  local d = distributor("Hangzhou Net")
  local o = order(d, "1250.00", 4)
  t.eq(o.amount, "5000.00")
  t.eq(o.rebate, "150.00")
end)

t.case("unpaid channel orders over the credit limit are refused", function()
  local d = distributor("Suzhou Link", { credit_limit = "10000.00" })
  local first = order(d, "7000.00")
  t.transition("channel_order", first.id, "submit")
  t.raises(function() order(d, "4000.00") end, "credit limit")
  t.eq(order(d, "3000.00").amount, "3000.00")
end)

t.case("routes: the channel manager; finance over the credit limit; the sales manager for senior tiers", function()
  t.eq(#distribution.onboarding_route({ record = { tier = "registered" } }), 1)
  t.eq(distribution.onboarding_route({ record = { tier = "platinum" } })[2].approvers[1], "role:sales_manager")
  local d = distributor("Wuxi Data", { credit_limit = "1000.00" })
  t.eq(#distribution.order_route({ record = { distributor = d.id, amount = kith.decimal("500.00") } }), 1)
  t.eq(distribution.order_route({ record = { distributor = d.id, amount = kith.decimal("1500.00") } })[2].approvers[1], "role:finance")
end)

t.case("a protected end customer cannot be registered by another distributor", function()
  t.clock("2026-04-01T10:00:00")
  local first = distributor("First Channel")
  local second = distributor("Second Channel")
  local registered = kith.create("end_customer", { name = "Ningbo Port Group", distributor = first.id })
  t.eq(registered.protected_until, "2026-06-30", "90 days by default")
  t.raises(function() kith.create("end_customer", { name = "ningbo port  group", distributor = second.id }) end, "registered by First Channel")
  t.clock("2026-07-01T10:00:00")
  t.eq(kith.create("end_customer", { name = "Ningbo Port Group", distributor = second.id }).distributor, second.id, "after the protection ends")
end)

t.case("owners hear of protection ending and of last month's rebates", function()
  t.user("channel.mgr", { roles = { "channel_manager" } })
  t.clock("2026-05-20T10:00:00")
  local d = t.as("channel.mgr", function() return distributor("Rebate Co") end)
  t.set_state("distributor", d.id, "active")
  kith.create("end_customer", { name = "Ending Soon Ltd", distributor = d.id, protected_until = "2026-05-30" })
  local o = order(d, "10000.00")
  t.set_state("channel_order", o.id, "completed")
  t.run_schedule("protection_expiry")
  t.clock("2026-06-01T06:00:00")
  t.run_schedule("rebates")
  local inbox = t.inbox("channel.mgr")
  t.eq(#inbox, 2)
  t.ok(inbox[1].text:find("Rebate due to Rebate Co for 2026-05: 300.00", 1, true), inbox[1].text)
  t.ok(inbox[2].text:find("Protection of Ending Soon Ltd ends on 2026-05-30", 1, true), inbox[2].text)
end)
