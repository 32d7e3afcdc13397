import Foundation
import KithSchema
import Testing

/// `Fixtures/valid/overlays.xml` on the base fixture: every kind of extension applies in load order.
@Suite struct OverlayTests {
    let schema: Schema

    init() throws {
        schema = try Paths.loadOnBase([Paths.fixtures.appendingPathComponent("valid/overlays.xml")]).get()
    }

    @Test func extendAddsFieldsAndReplacesOnlyWhenAsked() throws {
        let account = try #require(schema.entity("account"))
        #expect(account.field("region")?.type == .text)
        #expect(account.field("phone")?.type == .text)
        #expect(account.fields.firstIndex { $0.name == "phone" } == 3, "a replaced field keeps its place")
        #expect(account.indexes.map(\.fields) == [["region", "tier"]])
    }

    @Test func formsOfTheSameNameMergeSections() throws {
        let form = try #require(schema.entity("account")?.form("default"))
        #expect(form.sections.map(\.name) == ["main", "more"])
        #expect(form.sections[0].fields.map(\.field) == ["name", "tier", "region"])
        #expect(form.relatedLists.map(\.entity) == ["visit"])
    }

    @Test func workflowExtensionAddsStatesAndReplacesTransitions() throws {
        let workflow = try #require(schema.entity("deal")?.workflow)
        #expect(workflow.states.map(\.name) == ["open", "won", "lost", "on_hold"])
        #expect(workflow.transition("lose")?.from == ["open", "on_hold"])
        #expect(workflow.transition("resume")?.guardFunction?.description == "rules.check")
        #expect(schema.entity("deal")?.field("state")?.values == ["open", "won", "lost", "on_hold"])
    }

    @Test func dictionaryAndRoleExtensions() throws {
        #expect(schema.dictionary("tier")?.items.map(\.value) == ["bronze", "silver", "gold", "platinum"])
        let clerk = try #require(schema.role("clerk"))
        #expect(clerk.grants.map(\.entity) == ["account", "visit"])
        #expect(clerk.grants.first { $0.entity == "account" }?.read == .all, "extend-role replaces a grant for the same entity")
        #expect(schema.role("field_rep")?.fieldAccess.first?.level == Role.FieldAccess.Level.none)
    }

    @Test func viewFiltersKeepTheirGroups() throws {
        let view = try #require(schema.entity("visit")?.view("recent"))
        #expect(view.isDefault)
        #expect(view.filter.terms.count == 2)
        guard case .group(let either) = view.filter.terms[0] else {
            Issue.record("the first term is not a group")
            return
        }
        #expect(either.join == .or)
        #expect(view.filter.conditions.map(\.field) == ["visited_at", "owner", "duration", "department"])
        #expect(view.sorts.first?.descending == true)
    }

    @Test func modelValuesAreTyped() throws {
        let visit = try #require(schema.entity("visit"))
        #expect(visit.titleField == "subject")
        #expect(visit.field("cost")?.effectiveScale == 2)
        #expect(visit.field("subject")?.maxLength == 120)
        #expect(visit.field("mood")?.values == ["happy", "neutral", "sad"])
        #expect(visit.field("code")?.reset == .monthly)
        #expect(visit.field("account")?.onDelete == .cascade)
        #expect(
            visit.systemFields.map(\.name) == [
                "id", "owner", "department", "created_at", "created_by", "updated_at", "updated_by", "version",
            ])
        #expect(schema.entity("bill")?.titleField == "code")
        #expect(schema.entity("bill_line")?.titleField == "item", "without title, the first text field")
        #expect(schema.schedule("weekly")?.cron.matches(minute: 45, hour: 9, day: 3, month: 2, weekday: 2) == true)
        #expect(schema.report("visits_by_week")?.groupBucket == .week)
        #expect(schema.conversion("bill_deal")?.creations.first?.mappings.map(\.target) == ["account", "total"])
        #expect(schema.details(of: "bill").map(\.name) == ["bill_line"])
        #expect(schema.menu("field_sales")?.labels.text(for: "zh", fallback: "") == "外勤")
    }
}
