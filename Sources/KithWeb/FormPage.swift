import HTTPTypes
import Hummingbird
import NIOCore

/// A record form as the page shows it: its sections of fields (already written as HTML by
/// `HTML.field`), its line items, and what the last attempt to save it found.
struct FormPage {
    struct LineSet {
        let label: String
        let columns: [String]
        /// Each line: its inputs' name prefix, its id when stored, its cells (`HTML.cell`).
        let rows: [(prefix: String, id: String?, cellsHTML: String)]
    }

    /// A stored record the new one looks like (its title and link only when the user may read it).
    struct Duplicate {
        let title: String?
        let link: String?
        let fields: String
        let owner: String?
    }

    let title: String
    let action: String
    let cancel: String
    var multipart = false
    let sections: [(label: String, fieldsHTML: String)]
    var lines: [LineSet] = []
    /// Why the last save was refused.
    var error: String?
    /// The problems shown next to a field or line cell, by key: any other is said with `error`.
    var placed: Set<String> = []
    /// Where to start again after someone else saved the record meanwhile.
    var reload: String?
    var duplicates: [Duplicate] = []
    /// The version the form edits (sent back to detect a concurrent change).
    var version: Int64?
    /// Values carried through unchanged (a conversion's answers so far).
    var kept: [(String, String)] = []
}

extension Pages {
    /// The form's page, escaped and written straight into bytes (through the template engine its
    /// lookups were a fifth of an edit page).
    func formPage(_ form: FormPage, page: PageRequest, status: HTTPResponse.Status = .ok) -> Response {
        let texts = page.texts
        var output: [UInt8] = []
        output.reserveCapacity(32_768)
        output.append(raw: frameStart(title: form.title, user: page.user, context: page.context, language: page.language))
        output.append("<h1>")
        output.append(escaped: form.title)
        output.append("</h1>\n")
        if let error = form.error, !error.isEmpty {
            output.append("<p class=\"error\">")
            output.append(escaped: error)
            output.append("</p>\n")
        }
        if let reload = form.reload {
            output.append("<p class=\"error\">")
            output.append(escaped: texts["stale"])
            output.append(" ")
            output.append(link: reload, text: texts["reload"])
            output.append("</p>\n")
        }
        if !form.duplicates.isEmpty {
            output.append("<section class=\"warning\"><h2>")
            output.append(escaped: texts["likelyDuplicates"])
            output.append("</h2><ul>")
            for duplicate in form.duplicates {
                output.append("<li>")
                if let link = duplicate.link { output.append(link: link, text: duplicate.title) } else { output.append(escaped: texts["notYours"]) }
                output.append(" <small>")
                output.append(escaped: duplicate.fields)
                if let owner = duplicate.owner, !owner.isEmpty {
                    output.append(" · ")
                    output.append(escaped: texts["ownerIs"])
                    output.append(" ")
                    output.append(escaped: owner)
                }
                output.append("</small></li>")
            }
            output.append("</ul><p>")
            output.append(escaped: texts["saveAnyway"])
            output.append("</p></section>\n")
        }
        output.append("<form method=\"post\" action=\"")
        output.append(escaped: form.action)
        output.append(form.multipart ? "\" class=\"record\" enctype=\"multipart/form-data\">\n" : "\" class=\"record\">\n")
        output.append(csrf: page.context.session?.csrf ?? "")
        for (name, value) in form.kept { output.append(hidden: name, value: value) }
        if !form.duplicates.isEmpty { output.append(hidden: "_duplicates", value: "ok") }
        if let version = form.version { output.append(hidden: "_version", value: String(version)) }
        output.append("\n")
        for section in form.sections {
            output.append("<fieldset><legend>")
            output.append(escaped: section.label)
            output.append("</legend><div class=\"grid\">")
            output.append(raw: section.fieldsHTML)
            output.append("</div></fieldset>")
        }
        for lines in form.lines {
            output.append("\n<fieldset><legend>")
            output.append(escaped: lines.label)
            output.append("</legend><table class=\"lines\"><thead><tr>")
            for column in lines.columns + [texts["remove"] ?? ""] {
                output.append("<th>")
                output.append(escaped: column)
                output.append("</th>")
            }
            output.append("</tr></thead><tbody>\n")
            for row in lines.rows {
                output.append("<tr>")
                if let id = row.id { output.append(hidden: row.prefix + ".id", value: id) }
                output.append(raw: row.cellsHTML)
                output.append("<td><input type=\"checkbox\" name=\"")
                output.append(escaped: row.prefix)
                output.append("._remove\" value=\"1\"></td></tr>")
            }
            output.append("\n</tbody></table></fieldset>")
        }
        output.append("\n<p><button>")
        output.append(escaped: texts["save"])
        output.append("</button> ")
        output.append(link: form.cancel, text: texts["cancel"])
        output.append("</p></form>")
        output.append(raw: Self.frameEnd)
        return html(ByteBuffer(bytes: output), status: status)
    }
}
