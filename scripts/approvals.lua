-- Approval routes and guards for quotes, contracts, orders and expenses (审批).
--
-- A route returns the steps a record's approval goes through, in order. Each step names its
-- approvers ("manager": the submitter's manager; "role:NAME": users with the role; a login)
-- and its mode: "any" (或签, one approval is enough) or "all" (会签, everyone approves).
-- No steps: approved at once.
local M = {}

-- Discounts (%) above which a quote needs the manager, and also the executive.
M.quote_discount = { manager = 10, executive = 20 }
-- Orders above this amount also need finance, as do orders over the customer's credit limit.
M.order_finance_amount = 500000
-- Expenses above this amount also need finance.
M.expense_finance_amount = 5000

local function step(approvers, mode) return { approvers = approvers, mode = mode or "any" } end

-- Route of a quote: discount over 10% needs the sales manager; over 20% also the executive.
function M.quote_route(ctx)
  local discount = ctx.record.discount or 0
  local steps = {}
  if discount > M.quote_discount.manager then steps[#steps + 1] = step({ "manager" }) end
  if discount > M.quote_discount.executive then steps[#steps + 1] = step({ "role:executive" }) end
  return steps
end

-- Route of a contract: the sales manager, then finance and the executive together (会签).
function M.contract_route(ctx)
  return { step({ "manager" }), step({ "role:finance", "role:executive" }, "all") }
end

-- Route of an order: the manager; over 500,000 or over the customer's credit limit also finance.
function M.order_route(ctx)
  local order = ctx.record
  local steps = { step({ "manager" }) }
  local customer = kith.get("customer", order.customer)
  local over_limit = false
  if customer and customer.credit_limit and customer.credit_limit > 0 then
    local credit = require("credit")
    over_limit = credit.outstanding(order.customer, order.id) + (order.amount or 0) > customer.credit_limit
  end
  if (order.amount or 0) > M.order_finance_amount or over_limit then steps[#steps + 1] = step({ "role:finance" }) end
  return steps
end

-- Route of an expense: the manager; over 5,000 also finance.
function M.expense_route(ctx)
  local steps = { step({ "manager" }) }
  if ctx.record.amount > M.expense_finance_amount then steps[#steps + 1] = step({ "role:finance" }) end
  return steps
end

-- Guard of "reopen": an approved expense can be reopened only before it is reimbursed.
function M.can_reopen(ctx)
  if ctx.record.paid_on ~= nil then
    kith.reject("this expense was reimbursed on " .. ctx.record.paid_on .. " and cannot be reopened")
  end
  return true
end

-- On "pay": stamp the reimbursement date.
function M.stamp_paid(ctx)
  kith.update("expense", ctx.record.id, { paid_on = kith.today() })
end

return M
