-- Shipments (发货单): what a shipment's lines take from their order's lines (订单明细), and the
-- shipped quantities they add to them when the goods leave. A shipment line stands for the
-- order's lines of the same product (or, without a product, of the same description).
local M = {}

local function decimal(value) return kith.decimal(tostring(value or 0)) end

local function key(line)
  if line.product then return "product " .. tostring(line.product) end
  return "description " .. (line.description or "")
end

local function named(line)
  return line.description or ("#" .. tostring(line.product))
end

-- The order's lines that `line` stands for, in their order.
local function ordered_lines(order_id, line)
  local matching = {}
  for _, ordered in ipairs(kith.find("order_line", { order = order_id }, { sort = "id" })) do
    if key(ordered) == key(line) then matching[#matching + 1] = ordered end
  end
  return matching
end

-- What of `matching` is neither shipped nor on another shipment of the order still being prepared.
local function left_of(matching, order_id, shipment_id)
  local left = decimal(0)
  for _, ordered in ipairs(matching) do
    left = left + decimal(ordered.quantity) - decimal(ordered.shipped_quantity)
  end
  for _, other in ipairs(kith.find("shipment", { order = order_id, state = "preparing" })) do
    if other.id ~= shipment_id then
      for _, line in ipairs(kith.find("shipment_line", { shipment = other.id })) do
        if key(line) == key(matching[1]) then left = left - decimal(line.quantity) end
      end
    end
  end
  return left
end

-- Before-save on shipment: while it is prepared, each line ships one of the order's products, no
-- more than is left of it. A new shipment (one made from its order copies every line) ships what is left: lines
-- shipped in full are left out, the others take what is left.
function M.check_lines(ctx)
  local shipment = ctx.record
  local lines = ctx.lines and ctx.lines.shipment_line
  -- Only a shipment being prepared takes from the order (a shipped one's lines are counted).
  if not shipment.order or shipment.state ~= "preparing" or not lines or #lines == 0 then return end
  local new = ctx.old == nil
  local kept = {}
  local taken = {}
  for _, line in ipairs(lines) do
    local matching = ordered_lines(shipment.order, line)
    if #matching == 0 then
      kith.reject(string.format("%s is not on this shipment's order (不在本订单上)", named(line)))
    end
    local left = left_of(matching, shipment.order, shipment.id) - (taken[key(line)] or 0)
    if new and decimal(line.quantity) > left then line.quantity = left end
    if decimal(line.quantity) > left then
      kith.reject(string.format("%s: %s left to ship, not %s (超出未发数量)", named(line), tostring(left), tostring(line.quantity)))
    end
    taken[key(line)] = (taken[key(line)] or decimal(0)) + decimal(line.quantity)
    if decimal(line.quantity) > 0 or not new then kept[#kept + 1] = line end
  end
  if #kept == 0 then
    kith.reject("everything on this order is shipped or on a shipment being prepared (订单已全部发货或备货中)")
  end
  if #kept < #lines then ctx.record.shipment_line = kept end
end

-- On-transition on shipment: shipping adds each line's quantity to the shipped quantities of the
-- order's lines it stands for, filling them in turn (refused if another shipment took what was
-- left meanwhile); a return takes it off again, from the last one back.
function M.count_shipped(ctx)
  local shipment = ctx.record
  if not shipment.order or (ctx.transition ~= "ship" and ctx.transition ~= "return") then return end
  for _, line in ipairs(kith.find("shipment_line", { shipment = shipment.id })) do
    local matching = ordered_lines(shipment.order, line)
    local rest = decimal(line.quantity)
    local first, last, step = 1, #matching, 1
    if ctx.transition == "return" then first, last, step = #matching, 1, -1 end
    for index = first, last, step do
      local ordered = matching[index]
      local shipped = decimal(ordered.shipped_quantity)
      local change = rest
      if ctx.transition == "ship" then
        local room = decimal(ordered.quantity) - shipped
        if change > room then change = room end
        shipped = shipped + change
      else
        if change > shipped then change = shipped end
        shipped = shipped - change
      end
      if change > 0 then kith.update("order_line", ordered.id, { shipped_quantity = shipped }) end
      rest = rest - change
    end
    if ctx.transition == "ship" and rest > 0 then
      kith.reject(string.format("%s: %s more than the order has left to ship (超出未发数量)", named(line), tostring(rest)))
    end
  end
end

return M
