-- Shipments (scripts/shipments.lua): shipments made from orders, partial shipments, returns.
local t = require("kith.test")

-- An approved order of 10 valves and 4 seals, its lines by description.
local function approved_order(name)
  local customer = kith.create("customer", { name = name })
  local order = kith.create("order", { customer = customer.id, receiver = "Ms Wang", shipping_address = "1 Dock Road" },
    { order_line = {
      { description = "Valve", quantity = 10, price = "15.50" },
      { description = "Seal", quantity = 4, price = "3.00" },
    } })
  t.set_state("order", order.id, "approved")
  local lines = {}
  for _, line in ipairs(kith.find("order_line", { order = order.id })) do lines[line.description] = line end
  return order, lines
end

local function shipment_lines(shipment)
  local lines = {}
  for _, line in ipairs(kith.find("shipment_line", { shipment = shipment.id })) do lines[line.description] = line end
  return lines
end

t.case("a shipment made from an order ships its lines; shipping counts them on the order", function()
  t.user("dispatch", { roles = { "finance" } })
  local order, ordered = approved_order("Ship Co")
  local shipment = t.as("dispatch", function() return t.convert("make_shipment", order.id)[1] end)
  t.eq(shipment.order, order.id)
  t.eq(shipment.owner, order.owner, "the order's salesperson owns its shipments, and so sees them")
  t.eq(shipment.receiver, "Ms Wang")
  t.eq(shipment.address, "1 Dock Road")
  local lines = shipment_lines(shipment)
  t.eq(lines.Valve.quantity, "10.00")
  t.eq(kith.get("order_line", ordered.Valve.id).shipped_quantity, "0.00", "nothing is shipped while it is prepared")
  t.as("dispatch", function() t.transition("shipment", shipment.id, "ship") end)
  t.eq(kith.get("order_line", ordered.Valve.id).shipped_quantity, "10.00")
  t.eq(kith.get("order_line", ordered.Seal.id).shipped_quantity, "4.00")
end)

t.case("a second shipment takes what is left, and none can take more", function()
  local order, ordered = approved_order("Partial Co")
  local first = t.convert("make_shipment", order.id)[1]
  local lines = shipment_lines(first)
  -- Only 6 valves leave now; the seals wait.
  kith.update("shipment", first.id, {}, { shipment_line = { { id = lines.Valve.id, quantity = 6 } } })
  t.transition("shipment", first.id, "ship")
  t.eq(kith.get("order_line", ordered.Valve.id).shipped_quantity, "6.00")
  local second = t.convert("make_shipment", order.id)[1]
  lines = shipment_lines(second)
  t.eq(lines.Valve.quantity, "4.00", "what is left of the valves")
  t.eq(lines.Seal.quantity, "4.00")
  t.raises(function()
    kith.update("shipment", second.id, {}, { shipment_line = { { id = lines.Valve.id, quantity = 5 }, { id = lines.Seal.id } } })
  end, "Valve: 4.00 left to ship, not 5")
  t.raises(function() t.convert("make_shipment", order.id) end, "everything on this order is shipped or on a shipment being prepared")
  t.transition("shipment", second.id, "ship")
  t.eq(kith.get("order_line", ordered.Valve.id).shipped_quantity, "10.00")
end)

t.case("a return takes the shipment's quantities off the order again", function()
  local order, ordered = approved_order("Return Co")
  local shipment = t.convert("make_shipment", order.id)[1]
  t.transition("shipment", shipment.id, "ship")
  t.transition("shipment", shipment.id, "return", "damaged in transit")
  t.eq(kith.get("order_line", ordered.Valve.id).shipped_quantity, "0.00")
  t.eq(kith.get("order_line", ordered.Seal.id).shipped_quantity, "0.00")
end)

t.case("a shipment ships only what is on its order", function()
  local order = approved_order("Right Co")
  t.raises(function()
    kith.create("shipment", { order = order.id, customer = order.customer },
      { shipment_line = { { description = "Gasket", quantity = 1 } } })
  end, "Gasket is not on this shipment's order")
end)

t.case("lines of the same product are filled in turn, and emptied from the last on return", function()
  local customer = kith.create("customer", { name = "Twice Co" })
  local valve = kith.create("product", { code = "V-1", name = "Valve", price = "15.50" })
  local order = kith.create("order", { customer = customer.id }, { order_line = {
    { product = valve.id, description = "Valve, first batch", quantity = 3, price = "15.50" },
    { product = valve.id, description = "Valve, second batch", quantity = 5, price = "14.00" },
  } })
  t.set_state("order", order.id, "approved")
  local shipment = kith.create("shipment", { order = order.id, customer = customer.id },
    { shipment_line = { { product = valve.id, quantity = 4 } } })
  t.transition("shipment", shipment.id, "ship")
  local lines = kith.find("order_line", { order = order.id }, { sort = "id" })
  t.eq(lines[1].shipped_quantity, "3.00")
  t.eq(lines[2].shipped_quantity, "1.00")
  t.transition("shipment", shipment.id, "return", "wrong valves")
  lines = kith.find("order_line", { order = order.id }, { sort = "id" })
  t.eq(lines[1].shipped_quantity, "0.00")
  t.eq(lines[2].shipped_quantity, "0.00")
end)
