import Mustache

/// The HTML UI's templates (Mustache: every `{{value}}` is HTML-escaped), compiled into the
/// binary so that Kith stays one file.
enum Templates {
    static func library() throws -> MustacheLibrary {
        var library = MustacheLibrary()
        for (name, text) in all { try library.register(text, named: name) }
        return library
    }

    static let all: [(String, String)] = [
        ("login", login), ("workbench", workbench), ("record", record),
        ("inbox", inbox), ("approvals", approvals), ("message", message), ("admin", admin), ("report", report),
        ("messageItem", messageItem), ("adminUser", adminUser), ("adminDepartment", adminDepartment), ("reports", reports), ("import", importPage), ("calendar", calendar),
    ]

    static let login = """
        <section class="login"><h1>Kith</h1>
        {{#error}}<p class="error">{{.}}</p>{{/error}}
        <form method="post" action="/login">
        <input type="hidden" name="_csrf" value="{{csrf}}"><input type="hidden" name="next" value="{{next}}">
        <label>{{t.login}}<input name="login" value="{{login}}" autocomplete="username" required autofocus></label>
        <label>{{t.password}}<input name="password" type="password" autocomplete="current-password" required></label>
        <button>{{t.signIn}}</button></form></section>
        """

    static let workbench = """
        <h1>{{t.workbench}}</h1>
        <div class="figures">{{#figures}}<a class="figure" href="/e/{{entity}}"><b>{{value}}</b><span>{{label}}</span></a>{{/figures}}</div>
        <div class="columns">
        <section><h2>{{t.remindersDue}}</h2><ul class="messages">{{#reminders}}<li>{{>messageItem}}</li>{{/reminders}}{{^reminders}}<li class="empty">{{t.none}}</li>{{/reminders}}</ul></section>
        <section><h2>{{t.approvalsWaiting}}</h2><ul class="messages">{{#approvals}}<li><a href="/e/{{entity}}/{{id}}">{{title}}</a> <small>{{since}}</small></li>{{/approvals}}{{^approvals}}<li class="empty">{{t.none}}</li>{{/approvals}}</ul></section>
        <section><h2>{{t.inbox}}</h2><ul class="messages">{{#messages}}<li>{{>messageItem}}</li>{{/messages}}{{^messages}}<li class="empty">{{t.none}}</li>{{/messages}}</ul></section>
        {{#lists}}<section><h2><a href="{{link}}">{{label}}</a></h2><ul class="messages">{{#rows}}<li><a href="{{link}}">{{title}}</a> <small>{{detail}}</small></li>{{/rows}}{{^rows}}<li class="empty">{{t.none}}</li>{{/rows}}</ul></section>{{/lists}}
        </div>
        {{#funnel}}<section><h2>{{title}}</h2>{{{svg}}}</section>{{/funnel}}
        """

    static let messageItem = """
        {{#link}}<a href="{{link}}">{{text}}</a>{{/link}}{{^link}}{{text}}{{/link}} <small>{{at}}</small>
        """

    static let record = """
        <div class="bar"><h1>{{title}}</h1>{{#state}}<span class="state">{{.}}</span>{{/state}}
        {{#mayEdit}}<a class="button" href="/e/{{entity}}/{{id}}/edit">{{t.edit}}</a>{{/mayEdit}}
        {{#transitions}}<form method="post" action="/e/{{entity}}/{{id}}/transition/{{name}}" class="inline"><input type="hidden" name="_csrf" value="{{csrf}}"><input name="comment" placeholder="{{t.comment}}"{{#commentRequired}} required{{/commentRequired}}><button class="secondary">{{label}}</button></form>{{/transitions}}
        {{#mayClaim}}<form method="post" action="/e/{{entity}}/{{id}}/claim" class="inline"><input type="hidden" name="_csrf" value="{{csrf}}"><button>{{t.claim}}</button></form>{{/mayClaim}}
        {{#mayRelease}}<form method="post" action="/e/{{entity}}/{{id}}/release" class="inline"><input type="hidden" name="_csrf" value="{{csrf}}"><button class="secondary">{{t.release}}</button></form>{{/mayRelease}}
        {{#conversions}}<form method="post" action="/e/{{entity}}/{{id}}/convert/{{name}}" class="inline"><input type="hidden" name="_csrf" value="{{csrf}}"><button class="secondary">{{label}}</button></form>{{/conversions}}
        </div>
        {{#refused}}<div class="error" role="alert">{{#refusal}}<p>{{.}}</p>{{/refusal}}</div>{{/refused}}
        {{#approval}}<section class="approval"><h2>{{t.approvalPanel}}</h2>{{#onBehalf}}<p class="behalf">{{onBehalf}}</p>{{/onBehalf}}
        <form method="post" action="/e/{{entity}}/{{id}}/approval"><input type="hidden" name="_csrf" value="{{csrf}}">
        <textarea name="comment" placeholder="{{t.comment}}"></textarea>
        <button name="decision" value="approve">{{t.approve}}</button> <button name="decision" value="reject" class="danger">{{t.reject}}</button></form></section>{{/approval}}
        {{#mayEdit}}<details class="owner"><summary>{{t.shareTransfer}}</summary><div class="columns">
        {{#hasOwner}}<form method="post" action="/e/{{entity}}/{{id}}/transfer"><input type="hidden" name="_csrf" value="{{csrf}}"><label>{{t.transferTo}}<select name="user">{{#people}}<option value="{{id}}">{{name}}</option>{{/people}}</select></label><button class="secondary">{{t.transfer}}</button></form>{{/hasOwner}}
        <form method="post" action="/e/{{entity}}/{{id}}/share"><input type="hidden" name="_csrf" value="{{csrf}}"><label>{{t.shareWith}}<select name="target">{{#people}}<option value="u{{id}}">{{name}}</option>{{/people}}{{#departments}}<option value="d{{id}}">{{name}}</option>{{/departments}}</select></label><label><input type="checkbox" name="edit" value="1"> {{t.mayEdit}}</label><button class="secondary">{{t.share}}</button></form>
        </div></details>{{/mayEdit}}
        {{#sections}}<section><h2>{{label}}</h2><dl class="grid">{{#fields}}<div class="span{{span}}"><dt>{{label}}</dt><dd>{{#link}}<a href="{{link}}">{{text}}</a>{{/link}}{{^link}}{{text}}{{/link}}</dd></div>{{/fields}}</dl></section>{{/sections}}
        {{#lines}}<section><h2>{{label}}</h2><table class="list"><thead><tr>{{#columns}}<th>{{label}}</th>{{/columns}}</tr></thead><tbody>{{#rows}}<tr>{{#cells}}<td>{{#link}}<a href="{{link}}">{{text}}</a>{{/link}}{{^link}}{{text}}{{/link}}</td>{{/cells}}</tr>{{/rows}}</tbody></table></section>{{/lines}}
        {{#related}}<section><h2>{{label}}</h2><table class="list"><thead><tr>{{#headers}}<th>{{.}}</th>{{/headers}}</tr></thead><tbody>
        {{#rows}}<tr>{{#cells}}<td>{{#link}}<a href="{{link}}">{{text}}</a>{{/link}}{{^link}}{{text}}{{/link}}</td>{{/cells}}</tr>{{/rows}}
        {{^rows}}<tr><td class="empty" colspan="{{width}}">{{t.none}}</td></tr>{{/rows}}</tbody></table>
        {{#hasMore}}<p><a href="{{more}}">{{t.showAll}}</a></p>{{/hasMore}}</section>{{/related}}
        {{#hasTrail}}<section><h2>{{t.approvalTrail}}</h2><table class="list"><thead><tr><th>{{t.approvalStep}}</th><th>{{t.approver}}</th><th>{{t.decision}}</th><th>{{t.comment}}</th><th>{{t.decidedAt}}</th></tr></thead><tbody>{{#trail}}<tr><td>{{step}}</td><td>{{approver}}</td><td>{{status}}</td><td>{{comment}}</td><td>{{at}}</td></tr>{{/trail}}</tbody></table></section>{{/hasTrail}}
        <section><h2>{{t.history}}</h2><ol class="history">{{#history}}<li><b>{{action}}</b> {{who}} <small>{{at}}</small>{{#comment}} — {{.}}{{/comment}}{{#restore}} <form method="post" action="{{.}}" class="inline"><input type="hidden" name="_csrf" value="{{csrf}}"><button class="link restore" title="{{t.restoreHelp}}">{{t.restore}}</button></form>{{/restore}}<ul>
        {{#changes}}<li>{{field}}: {{#note}}{{.}}{{/note}}{{^note}}{{old}} → {{new}}{{/note}}</li>{{/changes}}</ul></li>{{/history}}</ol></section>
        """

    static let inbox = """
        <div class="bar"><h1>{{t.inbox}}</h1>
        <form method="post" action="/inbox/read" class="inline"><input type="hidden" name="_csrf" value="{{csrf}}"><button class="secondary">{{t.markRead}}</button></form></div>
        <ul class="messages">{{#messages}}<li class="{{#unread}}unread{{/unread}}">{{>messageItem}}</li>{{/messages}}{{^messages}}<li class="empty">{{t.none}}</li>{{/messages}}</ul>
        """

    static let approvals = """
        <h1>{{t.approvals}}</h1>
        <table class="list"><tbody>{{#approvals}}<tr><td><a href="/e/{{entity}}/{{id}}">{{title}}</a></td><td>{{since}}</td></tr>{{/approvals}}
        {{^approvals}}<tr><td class="empty">{{t.none}}</td></tr>{{/approvals}}</tbody></table>
        """

    static let message = """
        <h1>{{heading}}</h1><p class="message">{{text}}</p>{{#note}}<p><small>{{.}}</small></p>{{/note}}<p><a href="{{back}}">{{t.back}}</a></p>
        """

    static let admin = """
        <h1>{{t.admin}}</h1>
        <section id="users"><h2>{{t.users}}</h2><table class="list"><thead><tr><th>{{t.login}}</th><th>{{t.name}}</th><th>{{t.roles}}</th><th>{{t.department}}</th><th>{{t.active}}</th></tr></thead><tbody>
        {{#users}}<tr><td><a href="/admin/users/{{login}}">{{login}}</a></td><td>{{name}}</td><td>{{roles}}</td><td>{{department}}</td><td>{{active}}</td></tr>{{/users}}</tbody></table>
        <details><summary>{{t.addUser}}</summary><form method="post" action="/admin/users" class="record"><input type="hidden" name="_csrf" value="{{csrf}}"><div class="grid">
        <label>{{t.login}} *<input name="login" required maxlength="60"></label><label>{{t.name}}<input name="name" maxlength="100"></label>
        <label>Email<input name="email" type="email"></label><label>{{t.phone}}<input name="phone" type="tel" maxlength="40"></label>
        <label>{{t.language}}<select name="language"><option value=""></option><option value="zh">中文</option><option value="en">English</option></select></label>
        <label>{{t.password}} *<input name="password" type="password" minlength="8" required autocomplete="new-password"></label>
        <label>{{t.department}}<select name="department"><option value=""></option>{{#departmentChoices}}<option>{{name}}</option>{{/departmentChoices}}</select></label>
        <label>{{t.manager}}<select name="manager"><option value=""></option>{{#userChoices}}<option value="{{login}}">{{name}} ({{login}})</option>{{/userChoices}}</select></label>
        <fieldset class="span2"><legend>{{t.roles}}</legend>{{#roleChoices}}<label class="check"><input type="checkbox" name="role" value="{{name}}"> {{label}}</label>{{/roleChoices}}</fieldset>
        </div><button>{{t.addUser}}</button></form></details></section>
        <section id="departments"><h2>{{t.departments}}</h2><ul class="tree">{{#departments}}<li>{{indent}}<a href="/admin/departments/{{id}}">{{name}}</a> <small>{{people}} · {{head}}</small></li>{{/departments}}</ul>
        <details><summary>{{t.addDepartment}}</summary><form method="post" action="/admin/departments" class="inline"><input type="hidden" name="_csrf" value="{{csrf}}">
        <input name="name" required maxlength="100" placeholder="{{t.name}}"><select name="parent"><option value="">{{t.topLevel}}</option>{{#departmentChoices}}<option>{{name}}</option>{{/departmentChoices}}</select>
        <select name="head"><option value="">{{t.head}}</option>{{#userChoices}}<option value="{{login}}">{{name}}</option>{{/userChoices}}</select><button>{{t.addDepartment}}</button></form></details></section>
        <section id="tokens"><h2>{{t.tokens}}</h2><table class="list"><thead><tr><th>#</th><th>{{t.login}}</th><th>{{t.name}}</th><th>{{t.created}}</th><th>{{t.lastUsed}}</th><th></th></tr></thead><tbody>
        {{#tokens}}<tr><td>{{id}}</td><td>{{login}}</td><td>{{name}}</td><td>{{created}}</td><td>{{used}}</td><td>{{#live}}<form method="post" action="/admin/tokens/{{id}}/revoke" class="inline"><input type="hidden" name="_csrf" value="{{csrf}}"><button class="secondary">{{t.revoke}}</button></form>{{/live}}{{^live}}{{t.revoked}} {{revoked}}{{/live}}</td></tr>{{/tokens}}</tbody></table>
        <form method="post" action="/admin/tokens" class="inline"><input type="hidden" name="_csrf" value="{{csrf}}"><select name="login">{{#userChoices}}<option value="{{login}}">{{name}} ({{login}})</option>{{/userChoices}}</select><input name="name" maxlength="100" placeholder="{{t.tokenName}}"><button>{{t.createToken}}</button></form></section>
        <section id="workspace"><h2>{{t.workspace}}</h2><p>{{entityCount}} {{t.entities}} · {{t.modules}}: {{#modules}}<code>{{.}}</code> {{/modules}}</p>
        {{#lastReload}}{{#succeeded}}<div class="flash"><p>{{t.reloaded}} {{at}} ({{seconds}} s)</p>
        {{#hasChanges}}<p>{{t.databaseChanges}}:</p><ul>{{#changes}}<li>{{.}}</li>{{/changes}}</ul>{{/hasChanges}}
        {{#hasWarnings}}<p>{{t.checkWarnings}}:</p><ul>{{#warnings}}<li><code>{{.}}</code></li>{{/warnings}}</ul>{{/hasWarnings}}
        </div>{{/succeeded}}
        {{^succeeded}}<div class="error"><p>{{t.reloadRefused}} ({{at}})</p><ul>{{#problems}}<li><code>{{.}}</code></li>{{/problems}}</ul></div>{{/succeeded}}{{/lastReload}}
        <form method="post" action="/admin/workspace/reload" class="inline"><input type="hidden" name="_csrf" value="{{csrf}}"><button>{{t.reloadWorkspace}}</button></form><p><small>{{t.reloadHelp}}</small></p></section>
        <section id="dictionaries"><h2>{{t.dictionaries}}</h2><p><small>{{t.dictionariesHelp}}</small></p><table class="list"><tbody>{{#dictionaries}}<tr><td>{{name}}<br><small>{{file}}</small></td><td>{{items}}</td></tr>{{/dictionaries}}</tbody></table></section>
        <section id="schedules"><h2>{{t.schedules}}</h2><table class="list"><tbody>{{#schedules}}<tr><td>{{name}}</td><td><code>{{cron}}</code></td><td>{{enabled}}</td><td>{{last}}</td><td class="error">{{error}}</td>
        <td><form method="post" action="/admin/schedules/{{schedule}}/run" class="inline"><input type="hidden" name="_csrf" value="{{csrf}}">
        <button class="secondary">{{t.runNow}}</button></form></td></tr>{{/schedules}}</tbody></table></section>
        <section id="rules"><h2>{{t.rules}}</h2><p>{{rules}}</p>{{#ruleProblems}}<p class="error">{{.}}</p>{{/ruleProblems}}
        <details><summary>{{t.loadedScripts}} ({{scriptCount}})</summary><ul>{{#scripts}}<li><code>{{.}}</code></li>{{/scripts}}</ul></details>
        <h3>{{t.ruleFaults}}</h3><table class="list"><tbody>{{#faults}}<tr><td>{{at}}</td><td>{{entity}}</td><td><code>{{function}}</code></td><td>{{location}}</td><td class="error">{{message}}</td></tr>{{/faults}}{{^faults}}<tr><td class="empty">{{t.none}}</td></tr>{{/faults}}</tbody></table></section>
        <section id="log"><h2>{{t.systemLog}}</h2><table class="list"><tbody>{{#events}}<tr><td>{{at}}</td><td>{{kind}}</td><td>{{login}}</td><td>{{source}}</td><td>{{detail}}</td></tr>{{/events}}</tbody></table></section>
        """

    static let adminUser = """
        <p><a href="/admin#users">← {{t.admin}}</a></p><h1>{{name}} <small>{{login}}{{^active}} · {{t.disabled}}{{/active}}</small></h1>
        <div class="columns">
        <section><h2>{{t.roles}}</h2><form method="post" action="/admin/users/{{login}}/roles"><input type="hidden" name="_csrf" value="{{csrf}}">
        {{#roleChoices}}<label class="check"><input type="checkbox" name="role" value="{{name}}"{{#checked}} checked{{/checked}}> {{label}}</label>{{/roleChoices}}<button>{{t.save}}</button></form></section>
        <section><h2>{{t.department}}</h2><form method="post" action="/admin/users/{{login}}/placement"><input type="hidden" name="_csrf" value="{{csrf}}">
        <label>{{t.department}}<select name="department"><option value=""></option>{{#departmentChoices}}<option{{#selected}} selected{{/selected}}>{{name}}</option>{{/departmentChoices}}</select></label>
        <label>{{t.manager}}<select name="manager"><option value=""></option>{{#managerChoices}}<option value="{{login}}"{{#selected}} selected{{/selected}}>{{name}} ({{login}})</option>{{/managerChoices}}</select></label><button>{{t.save}}</button></form></section>
        <section><h2>{{t.password}}</h2><form method="post" action="/admin/users/{{login}}/password"><input type="hidden" name="_csrf" value="{{csrf}}">
        <label>{{t.newPassword}}<input name="password" type="password" minlength="8" required autocomplete="new-password"></label><button>{{t.save}}</button></form>
        <form method="post" action="/admin/users/{{login}}/active"><input type="hidden" name="_csrf" value="{{csrf}}">{{#active}}<input type="hidden" name="active" value="0"><button class="danger">{{t.disable}}</button>{{/active}}{{^active}}<input type="hidden" name="active" value="1"><button>{{t.enable}}</button>{{/active}}</form></section>
        </div>
        """


    static let adminDepartment = """
        <p><a href="/admin#departments">← {{t.admin}}</a></p><h1>{{name}} <small>{{people}} {{t.people}}</small></h1>
        <form method="post" action="/admin/departments/{{id}}"><input type="hidden" name="_csrf" value="{{csrf}}"><div class="grid">
        <label>{{t.name}} *<input name="name" value="{{name}}" required maxlength="100"></label>
        <label>{{t.parentDepartment}}<select name="parent"><option value="">{{t.topLevel}}</option>{{#parentChoices}}<option{{#selected}} selected{{/selected}}>{{name}}</option>{{/parentChoices}}</select></label>
        <label>{{t.head}}<select name="head"><option value=""></option>{{#headChoices}}<option value="{{login}}"{{#selected}} selected{{/selected}}>{{name}} ({{login}})</option>{{/headChoices}}</select></label>
        </div><button>{{t.save}}</button></form>
        """

    static let importPage = """
        <h1>{{title}}</h1>
        {{#running}}<section><h2>{{t.importing}}</h2><p>{{rows}} {{t.rows}}…</p><progress></progress></section>{{/running}}
        {{#importError}}<p class="error">{{.}}</p>{{/importError}}
        {{#report}}<section><h2>{{#applied}}{{t.importDone}}{{/applied}}{{^applied}}{{t.checked}}{{/applied}}</h2><p>{{rows}} {{t.rows}} · {{good}} {{t.goodRows}}{{#applied}} · {{imported}} {{t.imported}}{{/applied}}</p>
        <table class="list"><tbody>{{#problems}}<tr><td>{{t.line}} {{line}}</td><td class="error">{{message}}</td></tr>{{/problems}}</tbody></table>{{#applied}}<p><a href="/e/{{entity}}">{{t.back}}</a></p>{{/applied}}</section>{{/report}}
        {{#showForm}}
        {{#hasMapping}}<form method="post" action="/e/{{entity}}/import" class="record"><input type="hidden" name="_csrf" value="{{csrf}}">
        <section><h2>{{t.mapColumns}}</h2><table class="list"><thead><tr><th>{{t.column}}</th><th>{{t.firstRow}}</th><th>{{t.field}}</th></tr></thead><tbody>
        {{#mapping}}<tr><td>{{column}}</td><td><small>{{sample}}</small></td><td><select name="map.{{index}}"><option value="">{{t.leaveOut}}</option>{{#fields}}<option value="{{name}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/fields}}</select></td></tr>{{/mapping}}
        </tbody></table></section>
        <textarea name="csv" class="hidden" aria-hidden="true" tabindex="-1">{{csv}}</textarea>
        <p><label><input type="checkbox" name="skip" value="1"{{#skip}} checked{{/skip}}> {{t.skipBad}}</label>{{#checksDuplicates}}<br>
        <label><input type="checkbox" name="duplicates" value="allow"{{#allowDuplicates}} checked{{/allowDuplicates}}> {{t.allowDuplicates}}</label>{{/checksDuplicates}}</p>
        <p><button name="apply" value="0" class="secondary">{{t.preview}}</button> <button name="apply" value="1">{{t.import}}</button> <a href="/e/{{entity}}/import">{{t.startOver}}</a></p></form>{{/hasMapping}}
        {{^hasMapping}}<form method="post" action="/e/{{entity}}/import" class="record" enctype="multipart/form-data"><input type="hidden" name="_csrf" value="{{csrf}}">
        <p><label>{{t.csvFile}} <input type="file" name="file" accept=".csv,text/csv"></label></p>
        <p>{{t.importHelp}} <code>{{columns}}</code></p>
        <textarea name="csv" rows="8">{{csv}}</textarea>
        <p><button>{{t.next}}</button></p></form>{{/hasMapping}}{{/showForm}}
        """


    static let calendar = """
        <div class="bar"><h1>{{t.calendar}} · {{heading}}</h1><a href="{{previous}}" title="{{t.earlier}}">←</a> <a href="{{next}}" title="{{t.later}}">→</a>
        <span class="views">{{#isWeek}}<a href="{{monthLink}}">{{t.month}}</a> <a class="current" href="{{weekLink}}">{{t.week}}</a>{{/isWeek}}{{^isWeek}}<a class="current" href="{{monthLink}}">{{t.month}}</a> <a href="{{weekLink}}">{{t.week}}</a>{{/isWeek}}</span></div>
        <table class="calendar{{#isWeek}} week{{/isWeek}}"><thead><tr>{{#weekdays}}<th>{{.}}</th>{{/weekdays}}</tr></thead><tbody>
        {{#weeks}}<tr>{{#days}}<td class="{{#today}}today{{/today}}">{{^empty}}<b>{{day}}</b><ul>{{#items}}<li>{{#at}}<small>{{.}}</small> {{/at}}{{#link}}<a href="{{link}}">{{text}}</a>{{/link}}{{^link}}{{text}}{{/link}}</li>{{/items}}</ul>{{/empty}}</td>{{/days}}</tr>{{/weeks}}
        </tbody></table>
        """

    static let reports = """
        <h1>{{t.reports}}</h1>
        <div class="reports">{{#groups}}<section><h2>{{heading}}</h2><ul>
        {{#reports}}<li><a href="/reports/{{name}}">{{label}}</a><small>{{summary}}</small></li>{{/reports}}
        </ul></section>{{/groups}}</div>
        """

    static let report = """
        <h1>{{title}}</h1>{{{svg}}}
        <table class="list"><thead><tr><th>{{groupHeading}}</th><th>{{measureHeading}}</th></tr></thead><tbody>{{#rows}}<tr><td>{{label}}</td><td>{{value}}</td></tr>{{/rows}}{{^rows}}<tr><td colspan="2" class="empty">{{t.noRecords}}</td></tr>{{/rows}}</tbody></table>
        """

    static let css = """
        *{box-sizing:border-box}body{margin:0;font:15px/1.5 system-ui,-apple-system,"PingFang SC","Microsoft YaHei",sans-serif;color:#1f2933;background:#f5f7fa}
        a{color:#1d4ed8;text-decoration:none}a:hover{text-decoration:underline}
        .top{display:flex;gap:1rem;align-items:center;flex-wrap:wrap;padding:.5rem 1rem;background:#102a43;color:#fff}
        .top a{color:#d9e2ec}.brand{font-weight:700;font-size:1.2rem;color:#fff!important}
        .top nav{display:flex;gap:.75rem;flex-wrap:wrap;align-items:center;flex:1}
        .top details{position:relative}.top summary{cursor:pointer;color:#d9e2ec;list-style:none}
        .top details ul{position:absolute;z-index:10;background:#fff;margin:.25rem 0;padding:.5rem;list-style:none;border-radius:6px;box-shadow:0 4px 16px #0003;min-width:12rem}
        .top details ul a{color:#1f2933;display:block;padding:.2rem .4rem}
        .who{font-size:.9rem}main{padding:1rem;max-width:1200px;margin:auto}
        h1{font-size:1.5rem;margin:.5rem 0}h2{font-size:1.1rem;margin:.5rem 0}
        .reports{display:grid;grid-template-columns:repeat(auto-fill,minmax(18rem,1fr));gap:1rem}.reports section{margin:0}
        .reports ul{list-style:none;margin:0;padding:0}.reports li{padding:.35rem 0;border-top:1px solid #f0f4f8}
        .reports li small{display:block;color:#52606d}
        section,.login,fieldset{background:#fff;border-radius:8px;padding:1rem;margin:0 0 1rem;box-shadow:0 1px 3px #0001;border:0}
        .login{max-width:360px;margin:4rem auto}label{display:block;margin:.5rem 0}
        input,select,textarea{font:inherit;padding:.35rem .5rem;border:1px solid #bcccdc;border-radius:4px;width:100%;background:#fff}input[readonly]{background:#f0f4f8;color:#52606d;border-style:dashed}
        input[type=checkbox]{width:auto}textarea{min-height:5rem}
        button,.button{font:inherit;display:inline-block;padding:.4rem .9rem;border-radius:4px;border:0;background:#1d4ed8;color:#fff;cursor:pointer}
        .secondary{background:#e4e7eb;color:#1f2933}.danger{background:#b91c1c}button.link{background:none;color:#d9e2ec;padding:0}
        .inline{display:inline-flex;gap:.25rem;align-items:center}.inline input{width:10rem}
        .bar{display:flex;gap:.5rem;align-items:center;flex-wrap:wrap;margin-bottom:.5rem}.bar h1{flex:1}
        .state{background:#e0e8f9;padding:.1rem .6rem;border-radius:1rem}
        table.list{width:100%;border-collapse:collapse;background:#fff}table.list th,table.list td{padding:.4rem .5rem;border-bottom:1px solid #e4e7eb;text-align:left;vertical-align:top}
        table.list th a{color:#334e68}.empty{color:#829ab1}
        .filters{display:flex;gap:.5rem;flex-wrap:wrap;align-items:end;margin:.5rem 0}.filters label{margin:0;font-size:.85rem}.filters input,.filters select{width:10rem}
        .views a{margin-right:.75rem}.views a.current{font-weight:700}.views .saved button.link{color:#829ab1;margin-right:.75rem}.save-view{display:inline-block}.save-view summary{color:#1d4ed8;cursor:pointer}.save-view input{width:12rem}
        .grid{display:grid;grid-template-columns:repeat(2,1fr);gap:.5rem 1rem}.span2{grid-column:span 2}
        dt{color:#627d98;font-size:.85rem}dd{margin:0}
        .invalid input,.invalid select,.invalid textarea,td.invalid input{border-color:#b91c1c}.problem,.error{color:#b91c1c}
        .flash{background:#e3f8ff;padding:.5rem;border-radius:4px}
        .warning{border-left:4px solid #f0b429}label.check{display:inline-block;margin-right:1rem}.checks{display:flex;flex-wrap:wrap;gap:.25rem 0;padding:.4rem 0}button.restore{color:#1d4ed8;font-size:.85rem}.tree{list-style:none;padding:0}p.message{word-break:break-all}th.pick,td.pick{width:2rem}.hidden{position:absolute;left:-9999px}
        p.behalf{border-left:4px solid #f0b429;padding-left:.5rem}
        .bulk{display:flex;gap:.5rem;flex-wrap:wrap;align-items:center;background:#fff;padding:.5rem;margin:.5rem 0;border-radius:4px}.bulk label{margin:0}.bulk select{width:10rem}
        .figures{display:flex;gap:1rem;flex-wrap:wrap;margin-bottom:1rem}.figure{background:#fff;padding:1rem;border-radius:8px;min-width:9rem;box-shadow:0 1px 3px #0001}
        .figure b{display:block;font-size:1.6rem;color:#102a43}.columns{display:grid;grid-template-columns:repeat(auto-fit,minmax(280px,1fr));gap:1rem}
        .messages{list-style:none;padding:0;margin:0}.messages li{padding:.3rem 0;border-bottom:1px solid #f0f4f8}
        .history{padding-left:1.2rem}small{color:#829ab1}.unread{font-weight:600}
        table.calendar{width:100%;border-collapse:collapse;background:#fff;table-layout:fixed}table.calendar td{vertical-align:top;height:6rem;border:1px solid #e4e7eb;padding:.25rem;font-size:.8rem}
        table.calendar td.today{background:#e3f8ff}table.calendar.week td{height:20rem}table.calendar ul{list-style:none;margin:0;padding:0}
        @media (max-width:700px){.grid{grid-template-columns:1fr}.span2{grid-column:span 1}table.list{font-size:.85rem}}
        """

    /// Progressive enhancement only: every page works without it.
    static let script = """
        // Reference fields with many records: suggest titles as the user types.
        document.querySelectorAll("input[data-lookup]").forEach(function (input) {
          var timer;
          input.addEventListener("input", function () {
            clearTimeout(timer);
            timer = setTimeout(function () {
              if (!input.value) return;
              fetch(input.dataset.lookup + "?q=" + encodeURIComponent(input.value), { credentials: "same-origin" })
                .then(function (response) { return response.ok ? response.json() : []; })
                .then(function (items) {
                  var list = document.getElementById(input.getAttribute("list"));
                  list.replaceChildren.apply(list, items.map(function (item) {
                    var option = document.createElement("option");
                    option.value = item.title;
                    return option;
                  }));
                });
            }, 200);
          });
        });
        """
}
