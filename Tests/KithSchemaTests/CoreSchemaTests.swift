import Foundation
import KithSchema
import Testing

/// The core CRM every workspace starts from is complete and bilingual.
@Suite struct CoreSchemaTests {
    let schema: Schema

    init() throws {
        let files = Paths.files(in: Paths.repository.appendingPathComponent("schemas/core"))
        schema = try WorkspaceLoader(installation: Paths.installation).load(
            moduleFiles: files, scriptFolders: [Paths.installation.scriptsFolder])
    }

    static let expectedEntities = [
        "lead", "customer", "contact", "opportunity", "activity", "quote", "quote_line", "contract", "contract_line",
        "order", "order_line", "payment_plan", "payment", "invoice", "shipment", "shipment_line", "product", "price_list",
        "price_list_item", "commission", "campaign", "competitor", "partner", "mailing_list", "service_request",
        "complaint", "service_agreement", "knowledge_article", "task", "event", "expense", "announcement",
    ]

    @Test func hasEveryEntityOfTheGlossary() {
        #expect(Set(schema.entities.map(\.name)) == Set(Self.expectedEntities))
    }

    @Test func everythingIsLabelledInEnglishAndChinese() {
        var missing: [String] = []
        func check(_ labels: Labels, _ what: String) {
            if labels.texts[""]?.isEmpty != false || labels.texts["zh"]?.isEmpty != false { missing.append(what) }
        }
        for entity in schema.entities {
            check(entity.labels, "entity \(entity.name)")
            for field in entity.fields { check(field.labels, "\(entity.name).\(field.name)") }
            for view in entity.views { check(view.labels, "view \(entity.name).\(view.name)") }
            for state in entity.workflow?.states ?? [] { check(state.labels, "state \(entity.name).\(state.name)") }
            for transition in entity.workflow?.transitions ?? [] {
                check(transition.labels, "transition \(entity.name).\(transition.name)")
            }
        }
        for dictionary in schema.dictionaries {
            check(dictionary.labels, "dictionary \(dictionary.name)")
            for item in dictionary.items { check(item.labels, "item \(dictionary.name).\(item.value)") }
        }
        for role in schema.roles { check(role.labels, "role \(role.name)") }
        for report in schema.reports { check(report.labels, "report \(report.name)") }
        for schedule in schema.schedules { check(schedule.labels, "schedule \(schedule.name)") }
        for conversion in schema.conversions { check(conversion.labels, "conversion \(conversion.name)") }
        #expect(missing.isEmpty, "without label and label-zh: \(missing)")
    }

    @Test func everyMasterEntityHasAFormAndADefaultView() {
        for entity in schema.entities where entity.detailOf == nil {
            #expect(entity.form("default") != nil, "\(entity.name) has no default form")
            #expect(entity.views.contains { $0.isDefault }, "\(entity.name) has no default view")
        }
    }

    @Test func approvalWorkflowsExistForExpenseContractOrderAndQuote() {
        for name in ["expense", "contract", "order", "quote"] {
            #expect(schema.entity(name)?.workflow?.approvals.isEmpty == false, "\(name) has no approval")
        }
    }

    @Test func conversionsChainLeadsAndQuotesToOrders() throws {
        let qualify = try #require(schema.conversion("qualify"))
        #expect(qualify.creations.map(\.entity) == ["customer", "contact", "opportunity"])
        #expect(schema.conversion("make_contract")?.creations.first?.lines?.target == "contract_line")
        #expect(schema.conversion("contract_order")?.creations.first?.lines?.target == "order_line")
    }

    @Test func schedulesReportsAndRolesOfTheIssue() {
        #expect(
            Set(["stale_followups", "birthdays", "contract_expiry", "receivables_due", "reclaim_pool"]).isSubset(
                of: Set(schema.schedules.map(\.name))))
        #expect(
            Set(["funnel", "orders_by_month", "customers_by_industry", "customers_by_level", "rep_ranking"]).isSubset(
                of: Set(schema.reports.map(\.name))))
        #expect(Set(schema.roles.map(\.name)) == ["executive", "sales_manager", "sales_rep", "marketing", "service", "finance"])
        #expect(schema.entity("customer")?.isPool == true)
        #expect(schema.entity("opportunity")?.field("competitors")?.type == .multiref)
    }
}
