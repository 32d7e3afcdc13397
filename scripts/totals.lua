-- Totals of quotes, contracts, orders and commissions (金额计算).
local M = {}

-- A line's amount: quantity × price, less its discount (%), to the cent.
local function line_amount(line)
  local gross = kith.decimal(line.quantity or 0) * kith.decimal(line.price or 0)
  return (gross * (100 - (line.discount or 0)) / 100):round(2)
end

-- Sets each line's amount and returns their sum.
local function total_of(lines)
  local total = kith.decimal("0.00")
  for _, line in ipairs(lines or {}) do
    line.amount = line_amount(line)
    total = total + line.amount
  end
  return total
end

-- Before-save on quote: line amounts, subtotal, and the total after the quote's discount.
function M.quote(ctx)
  local quote = ctx.record
  quote.subtotal = total_of(ctx.lines and ctx.lines.quote_line)
  quote.total = (quote.subtotal * (100 - (quote.discount or 0)) / 100):round(2)
end

-- Before-save on order: line amounts and the order amount (orders without lines keep theirs).
function M.order(ctx)
  if ctx.lines and ctx.lines.order_line then
    ctx.record.amount = total_of(ctx.lines.order_line)
  end
end

-- Before-save on contract: line amounts, and the contract amount from them; a contract without
-- lines keeps the amount entered.
function M.contract(ctx)
  local lines = ctx.lines and ctx.lines.contract_line
  if lines and #lines > 0 then
    ctx.record.amount = total_of(lines)
  end
end

-- Before-save on commission: base amount × rate.
function M.commission(ctx)
  local commission = ctx.record
  commission.amount = (kith.decimal(commission.base_amount or 0) * (commission.rate or 0) / 100):round(2)
end

return M
