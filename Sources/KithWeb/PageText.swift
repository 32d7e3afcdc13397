/// The UI's own words in English and Chinese (labels of entities and fields come from the schema).
enum PageText {
    static let english: [String: String] = [
        "inbox": "Inbox", "approvals": "Approvals", "admin": "Admin", "signOut": "Sign out", "login": "Login", "password": "Password",
        "signIn": "Sign in", "workbench": "Workbench", "remindersDue": "Reminders due", "approvalsWaiting": "Waiting for my approval",
        "none": "Nothing here.", "new": "New", "export": "Export CSV", "search": "Search…", "filter": "Filter", "records": "records",
        "noRecords": "No records match.", "firstPage": "First page", "nextPage": "Next page", "save": "Save", "cancel": "Cancel",
        "remove": "Remove", "stale": "Someone else saved this record while you were editing it. Your changes were not saved.",
        "reload": "Reload the record and apply your changes again", "edit": "Edit", "comment": "Comment", "approvalPanel": "Approval",
        "approve": "Approve", "reject": "Reject", "approvalTrail": "Approval trail", "history": "History", "back": "Back",
        "users": "Users", "name": "Name", "roles": "Roles", "department": "Department", "active": "Active", "rules": "Rules",
        "systemLog": "System log", "schedules": "Schedules", "reports": "Reports", "markRead": "Mark all read", "calendar": "Calendar", "import": "Import CSV", "checked": "Checked", "rows": "rows", "goodRows": "good", "imported": "imported", "line": "Line", "importHelp": "Paste CSV text; the first line names the columns, by field name or label, for example:", "skipBad": "store the good rows and skip the bad ones (otherwise any bad row stops the import)", "preview": "Check rows", "shareTransfer": "Share or transfer", "transferTo": "New owner", "transfer": "Transfer", "shareWith": "Share with", "mayEdit": "may edit", "share": "Share", "badLogin": "Wrong login or password.",
        "lockedOut": "Too many failed sign-ins: this login is locked for 15 minutes.", "details": "Details", "lines": "Lines",
        "saved": "Saved.", "forbidden": "You may not do this.", "notFound": "Not found", "invalidForm": "Please correct the fields marked below.",
        "csrf": "The form expired or did not come from this site. Go back, reload the page and try again.",
        "select": "Select", "ticked": "Ticked rows:", "exportTicked": "Export ticked", "noneTicked": "Tick the records first.",
        "saveView": "Save as my view", "viewName": "View name", "deleteView": "Delete this view",
        "likelyDuplicates": "This may already exist", "notYours": "A record you cannot open", "ownerIs": "owner:",
        "saveAnyway": "Check the records above. To create the new one anyway, save again.",
        "bulkTransferred": "Records transferred:", "bulkShared": "Records shared:", "bulkDone": "Done",
    ]

    static let chinese: [String: String] = [
        "inbox": "消息", "approvals": "待我审批", "admin": "系统管理", "signOut": "退出", "login": "账号", "password": "密码",
        "signIn": "登录", "workbench": "工作台", "remindersDue": "到期提醒", "approvalsWaiting": "待我审批", "none": "暂无。",
        "new": "新建", "export": "导出 CSV", "search": "搜索…", "filter": "筛选", "records": "条记录", "noRecords": "没有符合条件的记录。",
        "firstPage": "首页", "nextPage": "下一页", "save": "保存", "cancel": "取消", "remove": "删除",
        "stale": "您编辑期间，其他人已保存了这条记录，您的修改未保存。", "reload": "重新加载记录后再修改", "edit": "编辑", "comment": "意见",
        "approvalPanel": "审批", "approve": "同意", "reject": "驳回", "approvalTrail": "审批记录", "history": "变更记录", "back": "返回",
        "users": "用户", "name": "姓名", "roles": "角色", "department": "部门", "active": "启用", "rules": "规则",
        "systemLog": "系统日志", "schedules": "定时任务", "reports": "报表", "markRead": "全部标为已读", "calendar": "日程", "import": "导入 CSV", "checked": "检查结果", "rows": "行", "goodRows": "行无误", "imported": "行已导入", "line": "第", "importHelp": "粘贴 CSV 文本；第一行是列名（字段名或标签），例如：", "skipBad": "导入无误的行并跳过有错的行（否则任何错误行都会中止导入）", "preview": "检查", "shareTransfer": "共享或转移", "transferTo": "新负责人", "transfer": "转移", "shareWith": "共享给", "mayEdit": "可编辑", "share": "共享", "badLogin": "账号或密码错误。", "lockedOut": "登录失败次数过多，该账号已锁定 15 分钟。", "details": "详细信息",
        "lines": "明细", "saved": "已保存。", "forbidden": "您没有权限执行此操作。", "notFound": "未找到", "invalidForm": "请更正下面标出的字段。",
        "csrf": "表单已过期或并非来自本站。请返回、刷新页面后重试。",
        "select": "选择", "ticked": "已勾选的记录：", "exportTicked": "导出勾选", "noneTicked": "请先勾选记录。",
        "saveView": "保存为我的视图", "viewName": "视图名称", "deleteView": "删除此视图",
        "likelyDuplicates": "可能已存在相同的记录", "notYours": "您无权查看的记录", "ownerIs": "负责人：",
        "saveAnyway": "请先核对上面的记录。如仍要新建，请再次保存。",
        "bulkTransferred": "已转移记录数：", "bulkShared": "已共享记录数：", "bulkDone": "完成",
    ]

    static func texts(_ language: String) -> [String: String] { language == "zh" ? chinese : english }
}
