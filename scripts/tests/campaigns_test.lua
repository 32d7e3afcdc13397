local t = require("kith.test")

t.case("the nightly count gives each campaign its leads", function()
  local fair = kith.create("campaign", { name = "Trade fair" })
  local mail = kith.create("campaign", { name = "Mailing" })
  for i = 1, 3 do kith.create("lead", { company = "Fair visitor " .. i, campaign = fair.id }) end
  kith.create("lead", { company = "Mail reader", campaign = mail.id })
  kith.create("lead", { company = "Walk-in" })
  t.run_schedule("campaign_leads")
  t.eq(kith.get("campaign", fair.id).actual_leads, 3)
  t.eq(kith.get("campaign", mail.id).actual_leads, 1)
end)
