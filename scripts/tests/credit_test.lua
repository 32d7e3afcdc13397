-- Credit check on orders (scripts/credit.lua).
local t = require("kith.test")

local function customer(limit)
  return kith.create("customer", { name = "Huadong Trading", credit_limit = limit })
end

local function order(customer_id, price, quantity)
  return kith.create("order", { customer = customer_id }, { order_line = { { description = "Pump", quantity = quantity or 1, price = price } } })
end

t.case("an order within the credit limit is saved with its total", function()
  local c = customer("100000.00")
  local o = order(c.id, "40000.00", 2)
  t.eq(o.amount, "80000.00")
end)

t.case("an order over the credit limit is refused with the numbers", function()
  local c = customer("100000.00")
  local first = order(c.id, "60000.00")
  kith.update("customer", c.id, { credit_limit = "100000.00" })
  t.transition("order", first.id, "submit")
  local message = t.raises(function() order(c.id, "50000.00") end, "credit limit")
  t.ok(message:find("60000.00", 1, true), "names the outstanding receivables: " .. message)
  t.ok(message:find("110000.00", 1, true), "names the total: " .. message)
  t.eq(kith.count("order", { customer = c.id }), 1, "the refused order left no row")
end)

t.case("payments received free up credit", function()
  local c = customer("100000.00")
  local first = order(c.id, "60000.00")
  t.transition("order", first.id, "submit")
  kith.update("order", first.id, { paid_amount = "30000.00" })
  local second = order(c.id, "50000.00")
  t.eq(second.amount, "50000.00")
end)

t.case("no credit limit means no check", function()
  local c = customer("0")
  t.eq(order(c.id, "9999999.00").amount, "9999999.00")
end)
