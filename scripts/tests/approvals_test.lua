-- Approval routes and guards (scripts/approvals.lua).
local t = require("kith.test")
local approvals = require("approvals")

local function approvers(steps)
  local names = {}
  for _, step in ipairs(steps) do names[#names + 1] = table.concat(step.approvers, "+") .. "/" .. step.mode end
  return table.concat(names, ", ")
end

t.case("expenses: the manager, and finance above 5,000", function()
  t.eq(approvers(approvals.expense_route({ record = { amount = kith.decimal("4999.99") } })), "manager/any")
  t.eq(approvers(approvals.expense_route({ record = { amount = kith.decimal("5000.00") } })), "manager/any")
  t.eq(approvers(approvals.expense_route({ record = { amount = kith.decimal("5000.01") } })), "manager/any, role:finance/any")
end)

t.case("quotes: no discount needs no approval; over 10% the manager; over 20% the executive too", function()
  t.eq(#approvals.quote_route({ record = { discount = kith.decimal("0.00") } }), 0)
  t.eq(approvers(approvals.quote_route({ record = { discount = kith.decimal("15.00") } })), "manager/any")
  t.eq(approvers(approvals.quote_route({ record = { discount = kith.decimal("25.00") } })), "manager/any, role:executive/any")
end)

t.case("contracts: the manager, then finance and the executive together", function()
  t.eq(approvers(approvals.contract_route({ record = {} })), "manager/any, role:finance+role:executive/all")
end)

t.case("orders: finance joins above 500,000 or over the credit limit", function()
  local customer = kith.create("customer", { name = "Route Co", credit_limit = "100000.00" })
  t.eq(approvers(approvals.order_route({ record = { customer = customer.id, amount = kith.decimal("90000.00") } })), "manager/any")
  t.eq(approvers(approvals.order_route({ record = { customer = customer.id, amount = kith.decimal("120000.00") } })),
    "manager/any, role:finance/any")
  local unlimited = kith.create("customer", { name = "Open Co" })
  t.eq(approvers(approvals.order_route({ record = { customer = unlimited.id, amount = kith.decimal("600000.00") } })),
    "manager/any, role:finance/any")
end)

t.case("reimbursing stamps the date; a reimbursed expense cannot be reopened", function()
  t.clock("2026-05-20T15:00:00")
  t.user("cfo", { roles = { "finance" } })
  local expense = kith.create("expense", { title = "Client dinner", category = "entertainment", amount = "800.00" })
  t.set_state("expense", expense.id, "approved")
  t.as("cfo", function() t.transition("expense", expense.id, "pay") end)
  local paid = kith.get("expense", expense.id)
  t.eq(paid.state, "paid")
  t.eq(paid.paid_on, "2026-05-20")
  t.eq(approvals.can_reopen({ record = { paid_on = nil } }), true)
  t.raises(function() approvals.can_reopen({ record = paid }) end, "cannot be reopened")
end)

t.case("reopening needs finance and a comment", function()
  t.user("cfo2", { roles = { "finance" } })
  t.user("rep2", { roles = { "sales_rep" } })
  local expense = t.as("rep2", function() return kith.create("expense", { title = "Taxi", category = "travel", amount = "120.00" }) end)
  t.set_state("expense", expense.id, "approved")
  t.as("rep2", function() t.raises(function() t.transition("expense", expense.id, "reopen", "wrong amount") end, "finance") end)
  t.as("cfo2", function()
    t.raises(function() t.transition("expense", expense.id, "reopen") end, "comment")
    t.eq(t.transition("expense", expense.id, "reopen", "wrong amount").state, "draft")
  end)
end)

-- The approval engine with the core's expense route: submitted expenses go to the right people.
local function staff()
  t.department("Sales East")
  t.user("boss", { roles = { "sales_manager" }, department = "Sales East" })
  t.user("rep", { roles = { "sales_rep" }, department = "Sales East", manager = "boss" })
  t.user("cashier", { roles = { "finance" } })
end

local function submitted(amount)
  return t.as("rep", function()
    local expense = kith.create("expense", { title = "Trip", category = "travel", amount = amount })
    t.transition("expense", expense.id, "submit")
    return expense
  end)
end

t.case("a small expense needs the manager only", function()
  staff()
  local expense = submitted("800.00")
  t.eq(kith.get("expense", expense.id).state, "pending")
  t.eq(#t.inbox("boss"), 1)
  t.as("boss", function() t.eq(t.approve("expense", expense.id, "ok").state, "approved") end)
  t.eq(#t.inbox("cashier"), 0)
end)

t.case("a large expense needs the manager, then finance", function()
  staff()
  local expense = submitted("9000.00")
  t.as("cashier", function() t.raises(function() t.approve("expense", expense.id) end, "not waiting for your approval") end)
  t.as("boss", function() t.eq(t.approve("expense", expense.id).state, "pending") end)
  t.eq(#t.inbox("cashier"), 1)
  t.as("cashier", function() t.eq(t.approve("expense", expense.id, "paid by card").state, "approved") end)
end)

t.case("a rejection sends the expense back to its owner", function()
  staff()
  local expense = submitted("9000.00")
  t.as("boss", function() t.eq(t.reject("expense", expense.id, "too expensive").state, "rejected") end)
  t.ok(#t.inbox("rep") >= 1)
  t.as("boss", function() t.raises(function() t.approve("expense", expense.id) end, "not waiting for an approval") end)
end)

t.case("a withdrawn expense leaves no approval waiting", function()
  staff()
  local expense = submitted("800.00")
  t.as("rep", function() t.eq(t.transition("expense", expense.id, "withdraw").state, "draft") end)
  t.as("boss", function() t.raises(function() t.approve("expense", expense.id) end, "not waiting for an approval") end)
end)
