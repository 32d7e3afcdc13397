import KithStore

/// The UI's own words in English and Chinese (labels of entities and fields come from the schema).
enum PageText {
    static let english: [String: String] = [
        "inbox": "Inbox", "approvals": "Approvals", "admin": "Admin", "signOut": "Sign out", "login": "Login", "password": "Password",
        "signIn": "Sign in", "workbench": "Workbench", "remindersDue": "Reminders due", "approvalsWaiting": "Waiting for my approval",
        "none": "Nothing here.", "new": "New", "export": "Export CSV", "search": "Search…", "filter": "Filter", "records": "records", "record": "record",
        "noRecords": "No records match.", "nothingToChoose": "Nothing to choose from yet.", "addByTitle": "Type a name to add one", "firstPage": "First page", "nextPage": "Next page", "save": "Save", "cancel": "Cancel",
        "remove": "Remove", "stale": "Someone else saved this record while you were editing it. Your changes were not saved.",
        "reload": "Reload the record and apply your changes again", "edit": "Edit", "comment": "Comment", "approvalPanel": "Approval",
        "approve": "Approve", "reject": "Reject", "approvalTrail": "Approval trail", "approvalStep": "Step", "approver": "Approver",
        "decision": "Decision", "decidedAt": "Decided",
        "step": "Step %d", "roundStep": "Round %d · step %d", "history": "History", "back": "Back",
        "noApprover": "{rule}: nobody found, an administrator decides", "showAll": "Show all",
        "decidedFor": "{approver}, decided by {user}", "onBehalf": "As an administrator, you decide this step for: {approvers}",
        "lineAdded": "added", "lineRemoved": "removed",
        "users": "Users", "name": "Name", "roles": "Roles", "department": "Department", "active": "Active", "rules": "Rules",
        "loadedScripts": "Loaded scripts", "ruleFaults": "Latest rule faults on this server",
        "systemLog": "System log", "schedules": "Schedules", "runNow": "Run now", "reports": "Reports", "count": "Count", "sum": "Sum", "avg": "Average",
        "min": "Minimum", "max": "Maximum", "markRead": "Mark all read", "calendar": "Calendar",
        "chart.funnel": "Funnel", "chart.bar": "Bar chart", "chart.line": "Line chart", "chart.pie": "Pie chart", "chart.table": "Table",
        "reportBy": "by {group}", "reportOf": "{aggregate} of {field}", "bucket.day": "day", "bucket.week": "week",
        "bucket.month": "month", "bucket.quarter": "quarter", "bucket.year": "year", "bucketed": "{group} ({bucket})",
        "import": "Import CSV", "checked": "Checked", "rows": "rows", "goodRows": "good", "imported": "imported", "line": "Line",
        "importHelp": "Paste CSV text; the first line names the columns, by field name or label, for example:",
        "skipBad": "store the good rows and skip the bad ones (otherwise any bad row stops the import)", "allowDuplicates": "also import rows that look like stored records or earlier rows (likely duplicates)", "preview": "Check rows",
        "shareTransfer": "Share or transfer", "claim": "Claim from the pool", "release": "Return to the pool", "transferTo": "New owner",
        "transfer": "Transfer", "shareWith": "Share with", "mayEdit": "may edit", "share": "Share", "badLogin": "Wrong login or password.",
        "lockedOut": "Too many failed sign-ins: this login is locked for 15 minutes.", "details": "Details", "lines": "Lines",
        "saved": "Saved.", "forbidden": "You may not do this.", "notFound": "Not found",
        "invalidForm": "Please correct the fields marked below.",
        "csrf": "The form expired or did not come from this site. Go back, reload the page and try again.",
        "select": "Select", "ticked": "Ticked rows:", "exportTicked": "Export ticked", "noneTicked": "Tick the records first.",
        "phone": "Phone", "language": "Language", "manager": "Manager", "addUser": "Add a user", "departments": "Departments",
        "addDepartment": "Add a department",
        "topLevel": "(top level)", "head": "Head", "parentDepartment": "Under", "people": "people", "yes": "Yes", "no": "No",
        "tokens": "API tokens", "created": "Created", "lastUsed": "Last used",
        "revoke": "Revoke", "revoked": "revoked", "tokenName": "What it is for", "createToken": "Create a token",
        "dictionaries": "Dictionaries",
        "dictionariesHelp":
            "Dictionaries come from the workspace's modules: change them in the XML file shown, run kith check, then reload the workspace.",
        "workspace": "Workspace", "modules": "Modules", "entities": "entities", "reloadWorkspace": "Reload the workspace",
        "reloadHelp":
            "Loads the workspace's XML modules and Lua scripts again and puts them in force without a restart; new entities and fields are added to the database. If anything is wrong, nothing changes and the problems are listed here.",
        "reloaded": "Reloaded", "checkWarnings": "Warnings (the schema is in force; kith check says the same)",
        "reloadRefused": "Reload refused; the schema in force is unchanged", "databaseChanges": "Database changes",
        "disabled": "disabled", "disable": "Disable this user", "enable": "Enable this user",
        "newPassword": "New password (8 characters or more)",
        "tokenCreated": "Token created",
        "tokenOnce": "Copy it now: it is shown only once. Send it as: Authorization: Bearer <token>",
        "importing": "Importing", "importDone": "Imported", "mapColumns": "Which field each column fills", "column": "Column",
        "firstRow": "First row", "field": "Field", "leaveOut": "(leave out)", "startOver": "Start again", "csvFile": "CSV file (UTF-8)",
        "next": "Next", "importEmpty": "Choose a CSV file or paste CSV text first.",
        "importNotCSV": "This is not CSV text with a header row.",
        "convertAsk": "The conversion needs a few more values for the new record:", "month": "Month", "week": "Week", "earlier": "Earlier",
        "later": "Later",
        "restore": "Put back", "restoreHelp": "Give these fields their values from before this change",
        "saveView": "Save as my view", "viewName": "View name", "deleteView": "Delete this view",
        "likelyDuplicates": "This may already exist", "notYours": "A record you cannot open", "ownerIs": "owner:",
        "saveAnyway": "Check the records above. To create the new one anyway, save again.",
        "bulkTransferred": "Records transferred:", "bulkShared": "Records shared:", "bulkDone": "Done",
        "action.create": "Created", "action.update": "Changed", "action.delete": "Deleted", "action.restore": "Put back",
        "action.transfer": "Transferred", "action.claim": "Claimed from the pool", "action.release": "Returned to the pool",
        "action.assign": "Assigned", "action.approval:approve": "Approved", "action.approval:reject": "Rejected",
        "action.set-state": "State set",
        "status.waiting": "Not reached", "status.pending": "Awaiting decision", "status.approved": "Approved",
        "status.rejected": "Rejected",
        "status.skipped": "Skipped", "status.closed": "Not needed",
    ]

    static let chinese: [String: String] = [
        "inbox": "消息", "approvals": "待我审批", "admin": "系统管理", "signOut": "退出", "login": "账号", "password": "密码",
        "signIn": "登录", "workbench": "工作台", "remindersDue": "到期提醒", "approvalsWaiting": "待我审批", "none": "暂无。",
        "new": "新建", "export": "导出 CSV", "search": "搜索…", "filter": "筛选", "records": "条记录", "record": "条记录", "noRecords": "没有符合条件的记录。", "nothingToChoose": "暂无可选项。", "addByTitle": "输入名称以添加",
        "firstPage": "首页", "nextPage": "下一页", "save": "保存", "cancel": "取消", "remove": "删除",
        "stale": "您编辑期间，其他人已保存了这条记录，您的修改未保存。", "reload": "重新加载记录后再修改", "edit": "编辑", "comment": "意见",
        "approvalPanel": "审批", "approve": "同意", "reject": "驳回", "approvalTrail": "审批记录", "approvalStep": "步骤", "approver": "审批人",
        "decision": "结果", "decidedAt": "处理时间",
        "step": "第 %d 步", "roundStep": "第 %d 轮 · 第 %d 步", "history": "变更记录", "back": "返回",
        "noApprover": "{rule}：未找到审批人，由管理员审批", "showAll": "查看全部",
        "decidedFor": "{approver}（由 {user} 代为审批）", "onBehalf": "你以管理员身份代为审批此步骤：{approvers}",
        "lineAdded": "已添加", "lineRemoved": "已删除",
        "users": "用户", "name": "姓名", "roles": "角色", "department": "部门", "active": "启用", "rules": "规则", "loadedScripts": "已加载的脚本",
        "ruleFaults": "本服务器最近的规则故障",
        "systemLog": "系统日志", "schedules": "定时任务", "runNow": "立即运行", "reports": "报表", "count": "数量", "sum": "合计", "avg": "平均值",
        "min": "最小值", "max": "最大值", "markRead": "全部标为已读", "calendar": "日程",
        "chart.funnel": "漏斗图", "chart.bar": "柱状图", "chart.line": "折线图", "chart.pie": "饼图", "chart.table": "表格",
        "reportBy": "按{group}", "reportOf": "{field}{aggregate}", "bucket.day": "日", "bucket.week": "周", "bucket.month": "月",
        "bucket.quarter": "季度", "bucket.year": "年", "bucketed": "{group}（{bucket}）", "import": "导入 CSV",
        "checked": "检查结果", "rows": "行", "goodRows": "行无误", "imported": "行已导入", "line": "第", "importHelp": "粘贴 CSV 文本；第一行是列名（字段名或标签），例如：",
        "skipBad": "导入无误的行并跳过有错的行（否则任何错误行都会中止导入）", "allowDuplicates": "也导入与已有记录或前面的行相似的行（疑似重复）", "preview": "检查", "shareTransfer": "共享或转移", "claim": "领取", "release": "退回公海",
        "transferTo": "新负责人", "transfer": "转移", "shareWith": "共享给", "mayEdit": "可编辑", "share": "共享", "badLogin": "账号或密码错误。",
        "lockedOut": "登录失败次数过多，该账号已锁定 15 分钟。", "details": "详细信息",
        "lines": "明细", "saved": "已保存。", "forbidden": "您没有权限执行此操作。", "notFound": "未找到", "invalidForm": "请更正下面标出的字段。",
        "csrf": "表单已过期或并非来自本站。请返回、刷新页面后重试。",
        "select": "选择", "ticked": "已勾选的记录：", "exportTicked": "导出勾选", "noneTicked": "请先勾选记录。",
        "phone": "电话", "language": "语言", "manager": "直属上级", "addUser": "新增用户", "departments": "部门", "addDepartment": "新增部门",
        "topLevel": "（顶级）", "head": "负责人", "parentDepartment": "上级部门", "people": "人", "yes": "是", "no": "否", "tokens": "API 令牌",
        "created": "创建时间", "lastUsed": "最近使用",
        "revoke": "吊销", "revoked": "已吊销", "tokenName": "用途", "createToken": "创建令牌",
        "dictionaries": "数据字典", "dictionariesHelp": "数据字典来自工作区的模块：请修改所示的 XML 文件，运行 kith check，然后重新加载工作区。",
        "workspace": "工作区", "modules": "模块", "entities": "个实体", "reloadWorkspace": "重新加载工作区",
        "reloadHelp": "重新读取工作区的 XML 模块和 Lua 脚本，无需重启即可生效；新增的实体和字段会加入数据库。如有任何问题，则不做任何更改，并在此列出问题。", "reloaded": "已重新加载",
        "checkWarnings": "警告（新配置已生效；kith check 给出相同提示）",
        "reloadRefused": "重新加载被拒绝，当前生效的配置未变", "databaseChanges": "数据库变更",
        "disabled": "已停用", "disable": "停用该用户", "enable": "启用该用户", "newPassword": "新密码（至少 8 个字符）",
        "tokenCreated": "令牌已创建",
        "tokenOnce": "请立即复制：令牌只显示这一次。使用方式：Authorization: Bearer <令牌>",
        "importing": "正在导入", "importDone": "导入完成", "mapColumns": "每一列对应的字段", "column": "列",
        "firstRow": "第一行", "field": "字段", "leaveOut": "（不导入）", "startOver": "重新开始", "csvFile": "CSV 文件（UTF-8）",
        "next": "下一步", "importEmpty": "请先选择 CSV 文件或粘贴 CSV 文本。", "importNotCSV": "这不是带表头行的 CSV 文本。",
        "convertAsk": "转换还需要为新记录补充以下信息：", "month": "月", "week": "周", "earlier": "上一页", "later": "下一页",
        "restore": "恢复", "restoreHelp": "将这些字段恢复为此次修改前的值",
        "saveView": "保存为我的视图", "viewName": "视图名称", "deleteView": "删除此视图",
        "likelyDuplicates": "可能已存在相同的记录", "notYours": "您无权查看的记录", "ownerIs": "负责人：",
        "saveAnyway": "请先核对上面的记录。如仍要新建，请再次保存。",
        "bulkTransferred": "已转移记录数：", "bulkShared": "已共享记录数：", "bulkDone": "完成",
        "action.create": "创建", "action.update": "修改", "action.delete": "删除", "action.restore": "恢复",
        "action.transfer": "转移", "action.claim": "从公海领取", "action.release": "退回公海",
        "action.assign": "分配", "action.approval:approve": "审批通过", "action.approval:reject": "审批驳回", "action.set-state": "设置状态",
        "status.waiting": "未到", "status.pending": "待审批", "status.approved": "已同意", "status.rejected": "已驳回",
        "status.skipped": "已跳过", "status.closed": "无需审批",
    ]

    static func texts(_ language: String) -> [String: String] { language == "zh" ? chinese : english }

    /// What is wrong with a field's value, in `language`: Kith's own problems in Chinese on
    /// Chinese pages, a rule's message as the rule wrote it. `label` names an entity for the user.
    static func problem(_ problem: FieldProblem, language: String, label: (String) -> String) -> String {
        // Choices by their labels, which are what the form offered.
        if case .notChoice(let value, let choices, let labels) = problem.reason {
            let listed = zip(choices, labels).map { $1.text(for: language, fallback: $0.humanizedName) }
            return language == "zh"
                ? "「\(value)」不是可选值（\(listed.joined(separator: "、"))）之一" : "'\(value)' is not one of: \(listed.joined(separator: ", "))"
        }
        guard language == "zh", let reason = problem.reason else { return problem.message }
        switch reason {
        case .required: return "必填"
        case .readOnly: return "只读，不能修改"
        case .assignedAutomatically: return "由系统自动编号"
        case .maintainedByKith: return "由系统维护，不能设置"
        case .workflowOnly: return "只能通过流程操作改变"
        case .transferOnly: return "只能通过转移改变"
        case .notYours: return "您无权修改此字段"
        case .notAField(let entity): return "不是「\(label(entity))」的字段"
        case .notALineItem(let entity): return "不是「\(label(entity))」的明细"
        case .notALine(let id, let entity): return "明细 #\(id) 不属于这条\(label(entity))"
        case .missingRecord(let kind, let id):
            let named = ["user": "用户", "department": "部门", "file": "文件"][kind] ?? label(kind)
            return "引用的\(named) #\(id) 不存在"
        case .inactiveUser(let id): return "#\(id) 不是启用的用户"
        case .fileTooLarge(let size, let max): return "文件大小为 \(size) 字节，最多允许 \(max) 字节"
        case .alreadyUsed(let value, let entity, let id): return "「\(value)」已被\(label(entity)) #\(id) 使用"
        case .alreadyInFile(let value, let line): return "「\(value)」已被本文件第 \(line) 行使用"
        case .likelyDuplicate(let title, let id, let owner):
            let detail = [id.map { "#\($0)" }, owner.map { "负责人 \($0)" }].compactMap { $0 }.joined(separator: "，")
            return "与已有记录" + (id != nil ? "「\(title ?? "")」" : "") + (detail.isEmpty ? "" : "（\(detail)）") + "相似"
        case .likeEarlierLine(let line): return "与文件第 \(line) 行相似"
        case .notBoolean: return "必须为是或否"
        case .notDate: return "必须是日期，例如 2026-01-31"
        case .notDateTime: return "必须是日期和时间，例如 2026-01-31T09:30:00+08:00"
        case .notChoice: return problem.message  // above
        case .notText: return "必须是文本，不能是列表"
        case .tooLong(let length, let max): return "长度为 \(length) 个字符，最多允许 \(max) 个"
        case .tooShort(let min): return "至少需要 \(min) 个字符"
        case .nulCharacter: return "不能包含 NUL 字符"
        case .notEmail(let text): return "「\(text)」不是有效的电子邮件地址"
        case .notPhone(let text): return "「\(text)」不是有效的电话号码"
        case .notWebAddress(let text): return "「\(text)」不是有效的网址（http:// 或 https://）"
        case .notPattern(let text, let pattern): return "「\(text)」不符合要求的格式 \(pattern)"
        case .notNumber(let text?): return "「\(text)」不是数字"
        case .notNumber(nil): return "必须是数字"
        case .tooLarge(let number): return "\(number) 超出允许的范围"
        case .notPercent: return "必须在 0 到 100 之间"
        case .belowMinimum(let min): return "不能小于 \(min)"
        case .aboveMaximum(let max): return "不能大于 \(max)"
        case .notWholeNumber: return "必须是整数"
        case .notRecordID: return "必须是记录的 id"
        case .notUserID: return "必须是用户的 id"
        case .notDepartmentID: return "必须是部门的 id"
        case .noRecordTitled(let text): return "没有名为「\(text)」的记录"
        case .severalRecordsTitled(let text): return "有多条名为「\(text)」的记录：请输入 # 和 id"
        case .unknownColumn(let column, let entity): return "列「\(column)」不是「\(label(entity))」的字段"
        case .columnCannotFill(let column, let field): return "列「\(column)」不能填入「\(field)」"
        case .noHeaderRow: return "文件没有标题行"
        }
    }
}
