-- Payment plans and payments received (收款计划, 回款).
local M = {}

-- Installments of each payment term: days after the order is submitted, and share of the amount (%).
M.schedules = {
  prepaid = { { days = 0, share = 100 } },
  cod = { { days = 7, share = 100 } },
  net30 = { { days = 30, share = 100 } },
  net60 = { { days = 60, share = 100 } },
  installments = { { days = 0, share = 30 }, { days = 30, share = 40 }, { days = 60, share = 30 } },
}

-- On submitting an order: its payment plan from its payment terms (net 30 when none is set).
function M.plan_from_order(ctx)
  local order = ctx.record
  if kith.count("payment_plan", { order = order.id }) > 0 then return end
  local schedule = M.schedules[order.payment_terms or "net30"] or M.schedules.net30
  local remaining = order.amount
  for index, part in ipairs(schedule) do
    local amount = (order.amount * part.share / 100):round(2)
    if index == #schedule then amount = remaining end
    remaining = remaining - amount
    kith.create("payment_plan", {
      customer = order.customer, order = order.id, installment = index,
      due_on = kith.add_days(kith.today(), part.days), amount = amount,
    })
  end
end

-- On confirming a payment: add it to the order's and the installment's received amounts.
function M.apply(ctx)
  local payment = ctx.record
  if payment.order then
    local order = kith.get("order", payment.order)
    kith.update("order", order.id, { paid_amount = (order.paid_amount or 0) + payment.amount })
  end
  if payment.payment_plan then
    local plan = kith.get("payment_plan", payment.payment_plan)
    local received = (plan.paid_amount or 0) + payment.amount
    kith.update("payment_plan", plan.id, { paid_amount = received, status = received >= plan.amount and "paid" or "partial" })
  end
end

-- On-transition of an invoice: its order's invoiced amount counts the invoices issued (an issued
-- invoice voided is taken off again).
function M.invoiced(ctx)
  local invoice = ctx.record
  if not invoice.order then return end
  local order = kith.get("order", invoice.order)
  if not order then return end
  local invoiced = order.invoiced_amount or 0
  if ctx.transition == "issue" then
    kith.update("order", order.id, { invoiced_amount = invoiced + invoice.amount })
  elseif ctx.transition == "void" and ctx.old and ctx.old.state == "issued" then
    kith.update("order", order.id, { invoiced_amount = invoiced - invoice.amount })
  end
end

return M
