-- Totals, payment plans and payments (scripts/totals.lua, scripts/payments.lua).
local t = require("kith.test")

t.case("quote lines, subtotal and the total after the quote's discount", function()
  local customer = kith.create("customer", { name = "Quote Co" })
  local quote = kith.create("quote", { title = "Pumps", customer = customer.id, discount = "5" }, {
    quote_line = {
      { description = "Pump A", quantity = 3, price = "1200.00", discount = "10" },
      { description = "Pump B", quantity = "2.5", price = "99.99" },
    },
  })
  t.eq(quote.subtotal, "3489.98")   -- 3 × 1200 × 0.9 = 3240.00; 2.5 × 99.99 = 249.975 → 249.98
  t.eq(quote.total, "3315.48")      -- 3489.98 × 0.95 = 3315.481
end)

t.case("changing an order's lines recomputes its amount", function()
  local customer = kith.create("customer", { name = "Order Co" })
  local order = kith.create("order", { customer = customer.id }, { order_line = { { description = "Valve", quantity = 10, price = "15.50" } } })
  t.eq(order.amount, "155.00")
  local line = kith.find("order_line", { order = order.id })[1]
  order = kith.update("order", order.id, {}, { order_line = { { id = line.id, quantity = 20 }, { description = "Seal", quantity = 1, price = "3.00" } } })
  t.eq(order.amount, "313.00")
end)

t.case("a contract's lines set its amount; without lines it keeps the amount entered", function()
  local customer = kith.create("customer", { name = "Contract Co" })
  local plain = kith.create("contract", { title = "Service", customer = customer.id, amount = "5000.00" })
  t.eq(plain.amount, "5000.00")
  local supply = kith.create("contract", { title = "Supply", customer = customer.id },
    { contract_line = {
      { description = "Pump", quantity = 2, price = "1200.00", discount = 10 },
      { description = "Seal", quantity = 4, price = "2.50" },
    } })
  t.eq(supply.amount, "2170.00")
  local line = kith.find("contract_line", { contract = supply.id, description = "Pump" })[1]
  t.eq(line.amount, "2160.00")
end)

t.case("submitting an order plans its installments from the payment terms", function()
  t.clock("2026-02-01T10:00:00")
  local customer = kith.create("customer", { name = "Terms Co" })
  local order = kith.create("order", { customer = customer.id, payment_terms = "installments" },
    { order_line = { { description = "Line", quantity = 1, price = "1000.01" } } })
  t.transition("order", order.id, "submit")
  local plans = kith.find("payment_plan", { order = order.id }, { sort = "installment" })
  t.eq(#plans, 3)
  t.eq(plans[1].amount, "300.00")
  t.eq(plans[1].due_on, "2026-02-01")
  t.eq(plans[2].amount, "400.00")
  t.eq(plans[2].due_on, "2026-03-03")
  t.eq(plans[3].amount, "300.01", "the last installment takes the rest")
  t.eq(kith.sum("payment_plan", "amount", { order = order.id }), "1000.01")
end)

t.case("a rep's own submit plans the installments, owned by the rep", function()
  local rep = t.user("rep.orders", { roles = { "sales_rep" } })
  local plans = t.as("rep.orders", function()
    local customer = kith.create("customer", { name = "Rep Co" })
    local order = kith.create("order", { customer = customer.id, payment_terms = "net30" },
      { order_line = { { description = "Line", quantity = 1, price = "100.00" } } })
    t.transition("order", order.id, "submit")
    return kith.find("payment_plan", { order = order.id })
  end)
  t.eq(#plans, 1)
  t.eq(plans[1].owner, rep)
end)

t.case("rules see only what their user may see", function()
  t.user("rep.one", { roles = { "sales_rep" } })
  t.user("rep.two", { roles = { "sales_rep" } })
  t.as("rep.one", function() kith.create("customer", { name = "One's Co" }) end)
  t.as("rep.two", function()
    kith.create("customer", { name = "Two's Co" })
    t.eq(kith.count("customer", {}), 1)
    t.eq(kith.find("customer", {})[1].name, "Two's Co")
  end)
  t.eq(kith.count("customer", { name = { ["in"] = { "One's Co", "Two's Co" } } }), 2, "the admin sees both")
end)

t.case("issued invoices count in the order's invoiced amount; a voided one is taken off", function()
  t.user("clerk", { roles = { "finance" } })
  local customer = kith.create("customer", { name = "Billed Co" })
  local order = kith.create("order", { customer = customer.id },
    { order_line = { { description = "Line", quantity = 1, price = "1000.00" } } })
  local first = kith.create("invoice", { customer = customer.id, order = order.id, company_title = "Billed Co", amount = "600.00" })
  local second = kith.create("invoice", { customer = customer.id, order = order.id, company_title = "Billed Co", amount = "400.00" })
  t.as("clerk", function()
    t.transition("invoice", first.id, "issue")
    t.transition("invoice", second.id, "void", "asked twice")
  end)
  t.eq(kith.get("order", order.id).invoiced_amount, "600.00", "a request voided before issue counts nothing")
  t.as("clerk", function() t.transition("invoice", first.id, "void", "wrong title") end)
  t.eq(kith.get("order", order.id).invoiced_amount, "0.00")
end)

t.case("a confirmed payment adds to the order and the installment", function()
  t.user("cashier", { roles = { "finance" } })
  local customer = kith.create("customer", { name = "Payer Co" })
  local order = kith.create("order", { customer = customer.id, payment_terms = "net30" },
    { order_line = { { description = "Line", quantity = 1, price = "800.00" } } })
  t.transition("order", order.id, "submit")
  local plan = kith.find("payment_plan", { order = order.id })[1]
  local payment = kith.create("payment", { customer = customer.id, order = order.id, payment_plan = plan.id, amount = "300.00" })
  t.as("cashier", function() t.transition("payment", payment.id, "confirm") end)
  t.eq(kith.get("order", order.id).paid_amount, "300.00")
  local after = kith.get("payment_plan", plan.id)
  t.eq(after.paid_amount, "300.00")
  t.eq(after.status, "partial")
end)

t.case("follow-ups stamp the customer's last contact and next date", function()
  t.clock("2026-08-08T16:30:00")
  local customer = kith.create("customer", { name = "Touch Co" })
  kith.create("activity", { subject = "Demo", customer = customer.id, next_follow_up = "2026-08-15" })
  local after = kith.get("customer", customer.id)
  t.eq(after.last_contact_at, "2026-08-08T08:30:00.000Z")
  t.eq(after.next_follow_up, "2026-08-15")
  kith.create("activity", { subject = "Planned visit", customer = customer.id, occurred_at = "2026-08-20T09:00:00" })
  t.eq(kith.get("customer", customer.id).last_contact_at, "2026-08-08T08:30:00.000Z", "a planned follow-up is not a contact yet")
end)

t.case("service staff may log a follow-up on a customer they cannot edit", function()
  t.user("helpdesk", { roles = { "service" } })
  local customer = kith.create("customer", { name = "Help Co" })
  local activity = t.as("helpdesk", function() return kith.create("activity", { subject = "Hotline call", customer = customer.id }) end)
  t.ok(activity.id, "the follow-up is saved")
  t.eq(kith.get("customer", customer.id).last_contact_at, nil, "the customer is not stamped: rules act with the user's rights")
end)

t.case("resolving a service request stamps the time", function()
  t.clock("2026-09-09T09:09:00")
  local customer = kith.create("customer", { name = "Service Co" })
  local request = kith.create("service_request", { subject = "Noise", customer = customer.id })
  t.transition("service_request", request.id, "resolve")
  t.eq(kith.get("service_request", request.id).resolved_at, "2026-09-09T01:09:00.000Z")
end)
