import Foundation
import GRDB
import KithSchema
import Testing

@testable import KithStore

/// Concurrency and crashes on real files: nothing committed is lost, nothing is half-written.
@Suite struct DurabilityTests {
    @Test func twoWritersOnOneVersionOnlyOneWins() throws {
        let test = try TestStore()
        let account = try test.store.create("account", ["name": "A"], as: TestStore.alice, access: .unrestricted)
        // A second process: its own connections to the same file.
        let other = try RecordStore.open(at: test.path, schema: test.store.schema, timeZone: TestStore.zone)
        let results = [("B", test.store), ("C", other)].map { name, store in
            Result {
                try store.update(
                    "account", id: account.id, ["name": .text(name)], expectedVersion: 1, as: TestStore.alice, access: .unrestricted)
            }
        }
        #expect(results.filter { (try? $0.get()) != nil }.count == 1)
        #expect(try test.store.get("account", id: account.id, as: TestStore.alice, access: .unrestricted)?["name"] == "B")
    }

    /// More concurrent reads than the store has readers, beside a writer: each read sees one
    /// committed state (a record's lines never half there), counts only grow, nothing waits forever.
    @Test func manyReadersBesideAWriterSeeWholeCommits() throws {
        let test = try TestStore()
        let store = test.store
        let written = DispatchSemaphore(value: 0)
        let writer = Thread {
            defer { written.signal() }
            for index in 0..<200 {
                _ = try? store.write(as: TestStore.alice) { transaction in
                    _ = try transaction.create("account", ["name": .text("W\(index)")], access: .unrestricted)
                    _ = try transaction.create("account", ["name": .text("W\(index)b")], access: .unrestricted)
                }
            }
        }
        writer.start()
        let problems = LockedProblems()
        DispatchQueue.concurrentPerform(iterations: 32) { _ in
            var last = 0
            for _ in 0..<300 {
                do {
                    let (count, again) = try store.read(as: TestStore.alice) { transaction in
                        (try transaction.count("account").value, try transaction.count("account").value)
                    }
                    if count % 2 != 0 || count != again || count < last { problems.add("saw \(count), then \(again), after \(last)") }
                    last = count
                } catch {
                    problems.add("\(error)")
                }
            }
        }
        #expect(problems.all.isEmpty, "\(problems.all.prefix(3))")
        written.wait()
        #expect(try store.read(as: TestStore.alice) { try $0.count("account").value } == 400)
    }

    @Test func autonumbersStayGapFreeAcrossEightConcurrentWriters() async throws {
        let test = try TestStore()
        let account = try test.store.create("account", ["name": "A"], as: TestStore.alice, access: .unrestricted)
        let schema = test.store.schema
        let path = test.path
        let codes = try await withThrowingTaskGroup(of: [String].self) { group in
            for writer in 0..<8 {
                group.addTask {
                    // Each writer has its own connection pool, as separate processes would.
                    let store = try RecordStore.open(at: path, schema: schema, timeZone: TestStore.zone, clock: .fixed(TestStore.now))
                    var codes: [String] = []
                    for attempt in 0..<40 {
                        do {
                            let lines: [[String: Value]] = attempt % 7 == 0 ? [["item": "x"]] : [["item": "x", "price": "1"]]
                            let invoice = try store.create(
                                "invoice", ["account": .integer(account.id)], lines: ["invoice_line": lines],
                                as: Actor(userID: Int64(writer), departmentID: 1),
                                access: .unrestricted)
                            codes.append(invoice["code"].description)
                        } catch let error as KithStore.RecordError where error.code == .invalid {
                            continue  // the deliberately bad ones: their numbers must be given back
                        }
                    }
                    return codes
                }
            }
            var all: [String] = []
            for try await codes in group { all += codes }
            return all
        }
        #expect(codes.count == 8 * 34)
        #expect(Set(codes).count == codes.count, "no code twice")
        let expected = (1...codes.count).map { String(format: "INV202611-%04d", $0) }
        #expect(codes.sorted() == expected, "no gaps")
    }

    static var writer: URL {
        let candidates =
            [
                Bundle.main.bundleURL, Bundle.main.bundleURL.deletingLastPathComponent(),
                URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
            ]
            + Bundle.allBundles.map { $0.bundleURL.deletingLastPathComponent() }
        return candidates.map { $0.appendingPathComponent("kith-store-writer") }.first {
            FileManager.default.isExecutableFile(atPath: $0.path)
        }
            ?? candidates[0].appendingPathComponent("kith-store-writer")
    }

    @Test func killedWritersLoseNothingCommitted() throws {
        let folder = try TestStore.folder("crash")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("kith.sqlite").path
        var reported: Set<Int64> = []
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20 {
            let process = Process()
            process.executableURL = Self.writer
            process.arguments = [path, TestStore.fixture.path]
            let output = Pipe()
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            try process.run()
            usleep(UInt32.random(in: 150_000...600_000, using: &generator))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            // A line cut short by the kill was not reported as committed.
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            reported.formUnion(lines.dropLast().compactMap { Int64($0) })
            let store = try RecordStore.open(at: path, schema: try TestStore.schema([TestStore.fixture]), timeZone: TestStore.zone)
            #expect(try store.integrityCheck() == "ok")
            let (stored, halfWritten) = try store.read(as: .system) { transaction in
                let ids = Set(try Int64.fetchAll(transaction.db, sql: "SELECT id FROM e_invoice"))
                let uneven = try Int64.fetchAll(
                    transaction.db,
                    sql: """
                        SELECT i.id FROM e_invoice i LEFT JOIN e_invoice_line l ON l.invoice = i.id
                        GROUP BY i.id HAVING count(l.id) <> 2
                        """)
                return (ids, uneven)
            }
            let missing = reported.subtracting(stored)
            #expect(missing.isEmpty, "committed invoices lost: \(missing.sorted().prefix(5))")
            #expect(halfWritten.isEmpty, "invoices without both lines: \(halfWritten.prefix(5))")
            try store.close()
        }
        #expect(reported.count > 20, "the writer committed too little to test anything")
    }

    @Test func backupsAreConsistentAndRestorable() throws {
        let test = try TestStore()
        for index in 0..<50 {
            _ = try test.store.create("account", ["name": .text("A\(index)")], as: TestStore.alice, access: .unrestricted)
        }
        let backup = test.folder.appendingPathComponent("backup.sqlite")
        try test.store.backup(to: backup)
        _ = try test.store.create("account", ["name": "after the backup"], as: TestStore.alice, access: .unrestricted)
        try test.store.close()
        let database = URL(fileURLWithPath: test.path)
        let previous = try RecordStore.restore(backup: backup, into: database)
        #expect(previous != nil)
        let restored = try RecordStore.open(at: test.path, schema: test.store.schema, timeZone: TestStore.zone)
        #expect(try restored.count("account", as: TestStore.alice, access: .unrestricted).value == 50)
        let notKith = test.folder.appendingPathComponent("other.sqlite")
        try Data("not a database".utf8).write(to: notKith)
        #expect(throws: (any Error).self) { try RecordStore.restore(backup: notKith, into: database) }
        try restored.close()
    }

    /// A database left with commits in its write-ahead log (a crash) keeps them when a restore
    /// sets it aside: the log goes with it.
    @Test func theDatabaseARestoreSetsAsideKeepsItsLog() throws {
        let test = try TestStore()
        let backup = test.folder.appendingPathComponent("backup.sqlite")
        try test.store.backup(to: backup)
        for index in 0..<20 {
            _ = try test.store.create("account", ["name": .text("after \(index)")], as: TestStore.alice, access: .unrestricted)
        }
        // The files as a crash leaves them: the database and its log, copied while open (inside a
        // read, so that no checkpoint empties the log meanwhile).
        let crashed = test.folder.appendingPathComponent("crashed")
        try FileManager.default.createDirectory(at: crashed, withIntermediateDirectories: true)
        let database = crashed.appendingPathComponent("kith.sqlite")
        try test.store.read(as: .system) { _ in
            for suffix in ["", "-wal"] {
                try? FileManager.default.copyItem(atPath: test.path + suffix, toPath: database.path + suffix)
            }
        }
        let previous = try #require(try RecordStore.restore(backup: backup, into: database))
        #expect(FileManager.default.fileExists(atPath: previous.path + "-wal"))
        let aside = try RecordStore.open(at: previous.path, schema: test.store.schema, timeZone: TestStore.zone)
        #expect(try aside.count("account", as: TestStore.alice, access: .unrestricted).value == 20)
        try aside.close()
    }
}

final class LockedProblems: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [String] = []
    func add(_ problem: String) { lock.withLock { items.append(problem) } }
    var all: [String] { lock.withLock { items } }
}

/// The web's writes (`RecordStore.perform`): many callers share a transaction, each in its own
/// savepoint, and each gets its own outcome.
@Suite struct GroupCommitTests {
    /// Holds the store's writer until `release` is signalled, so that writes queue up behind it.
    static func holdWriter(_ store: RecordStore) -> DispatchSemaphore {
        let entered = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        Thread {
            _ = try? store.write(as: TestStore.alice) { _ in
                entered.signal()
                release.wait()
            }
        }.start()
        entered.wait()
        return release
    }

    /// Waits (at most ten seconds) until `count` writes are queued or in the transaction under way.
    static func waitUntilQueued(_ store: RecordStore, _ count: Int) async throws {
        try await waitUntil { store.groupCommit.unfinished >= count }
    }

    static func waitUntil(_ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while !condition(), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
    }

    @Test func writesOfManyCallersCommitTogetherAndFailAlone() async throws {
        let test = try TestStore()
        let store = test.store
        let release = Self.holdWriter(store)
        let before = store.groupCommit.transactionsBegun
        let outcomes = try await withThrowingTaskGroup(of: (Int, String?).self) { group in
            for index in 0..<120 {
                group.addTask {
                    do {
                        // Every fifth has no name, which is required: refused, its number given back.
                        let values: [String: Value] = index % 5 == 0 ? ["tier": "gold"] : ["name": .text("Caller \(index)")]
                        let account = try await store.perform(as: TestStore.alice) { try $0.create("account", values) }
                        return (index, account["code"].description)
                    } catch let error as KithStore.RecordError {
                        #expect(error.code == .invalid && index % 5 == 0, "\(index): \(error)")
                        return (index, nil)
                    }
                }
            }
            // The first batch waits for the writer; the others queue behind it.
            try await Self.waitUntilQueued(store, 120)
            release.signal()
            var outcomes: [Int: String?] = [:]
            for try await (index, code) in group { outcomes[index] = code }
            return outcomes
        }
        let codes = outcomes.values.compactMap { $0 }
        #expect(codes.count == 96)
        #expect(codes.sorted() == (1...96).map { String(format: "A2026-%03d", $0) }, "gap-free: the refused writes gave their numbers back")
        #expect(try store.read(as: TestStore.alice) { try $0.count("account").value } == 96)
        // Batches of at most 64: one waiting for the writer, then the rest.
        #expect(store.groupCommit.transactionsBegun - before <= 3)
    }

    /// A batch indexes its new records for search once, before it commits. A write that indexes
    /// the backlog early (a delete needs its record's terms in the index) and then fails gives
    /// the backlog back: the records of the writes that stand are all found.
    @Test func recordsOfABatchAreSearchableThoughAWriteAfterThemFails() async throws {
        let test = try TestStore()
        let store = test.store
        let release = Self.holdWriter(store)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { _ = try await store.perform(as: TestStore.alice) { try $0.create("account", ["name": "Alpha Trading"]) } }
            try await Self.waitUntil { store.groupCommit.transactionsBegun == 1 }
            for (position, name) in ["Bravo Trading", "Charlie Trading", "Delta Trading"].enumerated() {
                group.addTask {
                    _ = try? await store.perform(as: TestStore.alice) { transaction in
                        let account = try transaction.create("account", ["name": .text(name)])
                        guard name.hasPrefix("Charlie") else { return account }
                        _ = try transaction.update("account", id: account.id, ["name": "Charlie Trading Co"])
                        try transaction.delete("account", id: try transaction.create("account", ["name": "Echo Trading"]).id)
                        throw RecordError(.rejected, entity: "account", "refused after its update")
                    }
                }
                try await Self.waitUntilQueued(store, position + 2)
            }
            release.signal()
            try await group.waitForAll()
        }
        let found = try store.read(as: TestStore.alice) { transaction in
            try transaction.query(RecordQuery(entity: "account", search: "Trading")).records.map { $0["name"].description }.sorted()
        }
        #expect(found == ["Alpha Trading", "Bravo Trading", "Delta Trading"])
        try store.checkSearchIndexes()
    }

    /// The log is folded back into the file beside the writer, not in its commits, and stays
    /// bounded; nothing written is lost.
    @Test func theLogIsCheckpointedBesideTheWriter() async throws {
        let test = try TestStore()
        let store = test.store
        for batch in 0..<40 {
            try await store.perform(as: TestStore.alice) { transaction in
                for index in 0..<100 { _ = try transaction.create("account", ["name": .text("Account \(batch)-\(index)")]) }
            }
        }
        try await Self.waitUntil { store.checkpointer.checkpointsRun > 0 }
        #expect(store.checkpointer.checkpointsRun > 0)
        let log = try FileManager.default.attributesOfItem(atPath: test.path + "-wal")[.size] as? Int ?? 0
        #expect(log < Int(Checkpointer.threshold) * 4096 * 4, "\(log) bytes of log")
        #expect(try store.read(as: TestStore.alice) { try $0.count("account").value } == 4_000)
    }

    /// A failure that ends the whole transaction (as a full disk does) fails every write of the
    /// batch, those before it too, and stores none of them.
    @Test func aBatchWhoseTransactionEndsStoresNothing() async throws {
        let test = try TestStore()
        let store = test.store
        let release = Self.holdWriter(store)
        let results = try await withThrowingTaskGroup(of: String.self) { group in
            group.addTask {  // the first batch: one write, waiting for the writer
                _ = try await store.perform(as: TestStore.alice) { try $0.create("account", ["name": "First"]) }
                return "first stored"
            }
            try await Self.waitUntil { store.groupCommit.transactionsBegun == 1 }
            for name in ["Before", "Ender", "After"] {
                group.addTask {
                    do {
                        _ = try await store.perform(as: TestStore.alice) { transaction in
                            if name == "Ender" { try transaction.db.execute(sql: "ROLLBACK") }
                            return try transaction.create("account", ["name": .text(name)])
                        }
                        return "\(name) stored"
                    } catch {
                        return "\(name) failed"
                    }
                }
                try await Self.waitUntilQueued(store, name == "Before" ? 2 : name == "Ender" ? 3 : 4)
            }
            release.signal()
            var results: [String] = []
            for try await result in group { results.append(result) }
            return results.sorted()
        }
        #expect(results == ["After failed", "Before failed", "Ender failed", "first stored"])
        let names = try store.read(as: TestStore.alice) { try $0.query(RecordQuery(entity: "account")).records.map { $0["name"].description } }
        #expect(names == ["First"])
    }
}
