import Logging
import NIOConcurrencyHelpers
import SQLKit

/// Group commit: the writes that are ready at the same moment share one transaction, so one commit (one fsync)
/// makes many of them durable.
///
/// A writer takes every job queued at that moment (up to ``maxBatch``), opens one transaction and runs each in a
/// savepoint of its own: a job that fails is rolled back alone and its caller gets its error, the others go on. Each
/// caller is answered only after the commit of the transaction that holds its work: a write reported done is on
/// disk. When the commit fails, every job of the batch gets that error and nothing of them exists.
///
/// Jobs wait in the queue, where their callers can still give up (a bounded begin, a cancelled task), until a writer
/// holds a connection (on SQLite: the one session); then each is begun (`began()`) or, when its caller has given up,
/// skipped with nothing of it written. A job that has begun is waited for, however long its transaction takes
/// (another process holding SQLite's write lock, say), and its real outcome answered.
final class GroupCommitter: Sendable {
    /// What a job comes to, as its caller is told.
    enum Outcome: Sendable {
        /// Never begun: its caller gave up first. Nothing was written.
        case skipped
        case committed
        case failed(any Error)
    }

    struct Job: Sendable {
        let id: Int
        /// The caller's work: runs inside the shared transaction and keeps its own result until `finish`.
        let run: @Sendable (any SQLDatabase) async throws -> Void
        /// Settles the caller's bounded wait as begun; false when the caller gave up first.
        let began: @Sendable () -> Bool
        let finish: @Sendable (Outcome) -> Void
    }

    private struct State {
        var queue: [Job] = []
        var writers = 0
        var nextID = 0
        var commits = 0
        var committedJobs = 0
    }

    /// Writers at once: 1 on SQLite (one connection writes), more where a pool writes in parallel.
    let maxWriters: Int
    /// Jobs per transaction at most: bounds how long one commit keeps its first caller waiting.
    let maxBatch: Int
    private let state = NIOLockedValueBox(State())
    typealias Lend = @Sendable (@escaping @Sendable (any SQLDatabase) async throws -> Void) async throws -> Void
    private let connection: Lend
    /// The statement that opens a transaction (`BEGIN IMMEDIATE` on SQLite: the write lock up front).
    private let begin: String
    private let logger: Logger

    /// `connection` lends one connection to its body (``Database/withConnection(beginWithin:_:)``).
    init(
        maxWriters: Int, maxBatch: Int = 256, begin: String, logger: Logger, connection: @escaping Lend
    ) {
        self.maxWriters = max(1, maxWriters)
        self.maxBatch = max(1, maxBatch)
        self.begin = begin
        self.logger = logger
        self.connection = connection
    }

    /// Jobs waiting for a transaction now (backpressure reads it).
    var queued: Int { state.withLockedValue { $0.queue.count } }

    /// Group transactions committed so far, and the jobs they held.
    var committed: (transactions: Int, jobs: Int) {
        state.withLockedValue { ($0.commits, $0.committedJobs) }
    }

    /// Runs `body` in the next group transaction. `began` is asked when its turn comes; see the type's notes.
    /// Returns nil when the job was skipped (`began` answered false, or the task was cancelled while it waited).
    func run<R: Sendable>(
        began: @escaping @Sendable () -> Bool, _ body: @escaping @Sendable (any SQLDatabase) async throws -> R
    ) async throws -> R? {
        let result = NIOLockedValueBox<R?>(nil)
        let id = state.withLockedValue { state -> Int in
            state.nextID += 1
            return state.nextID
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<R?, any Error>) in
                let job = Job(
                    id: id,
                    run: { sql in
                        let value = try await body(sql)
                        result.withLockedValue { $0 = value }
                    },
                    began: began,
                    finish: { outcome in
                        switch outcome {
                        case .skipped: continuation.resume(returning: nil)
                        case .committed: continuation.resume(returning: result.withLockedValue { $0 })
                        case .failed(let error): continuation.resume(throwing: error)
                        }
                    })
                enqueue(job)
            }
        } onCancel: {
            // Still queued: gone without a trace. Already taken by a writer: its `began` decides.
            let job = state.withLockedValue { state -> Job? in
                guard let index = state.queue.firstIndex(where: { $0.id == id }) else { return nil }
                return state.queue.remove(at: index)
            }
            job?.finish(.skipped)
        }
    }

    private func enqueue(_ job: Job) {
        let startWriter = state.withLockedValue { state -> Bool in
            state.queue.append(job)
            guard state.writers < maxWriters else { return false }
            state.writers += 1
            return true
        }
        if startWriter { Task { await self.drain() } }
    }

    /// One writer: batches until the queue is empty.
    private func drain() async {
        while true {
            let more = state.withLockedValue { state -> Bool in
                if state.queue.isEmpty {
                    state.writers -= 1
                    return false
                }
                return true
            }
            guard more else { return }
            await runBatch()
        }
    }

    /// One transaction: takes what is queued once a connection is had, begins those whose callers still wait, runs
    /// each in its savepoint, commits, answers.
    private func runBatch() async {
        let begun = NIOLockedValueBox<[Job]>([])
        let failedAlone = NIOLockedValueBox<[Int: any Error]>([:])
        let begin = self.begin
        do {
            try await connection { sql in
                let jobs = self.take()
                var started: [Job] = []
                for job in jobs {
                    if job.began() { started.append(job) } else { job.finish(.skipped) }
                }
                begun.withLockedValue { $0 = started }
                guard !started.isEmpty else { return }
                try await sql.raw(SQLQueryString(begin)).run()
                do {
                    if started.count == 1 {
                        // Alone in its transaction: no savepoint needed (its failure rolls back only itself).
                        try await started[0].run(sql)
                        try await sql.raw("COMMIT").run()
                        return
                    }
                    for job in started {
                        try await sql.raw("SAVEPOINT fastsmtp_job").run()
                        do {
                            try await job.run(sql)
                            try await sql.raw("RELEASE SAVEPOINT fastsmtp_job").run()
                        } catch {
                            // The job alone is undone; if even that fails the transaction is gone, and the whole
                            // batch with it (the error below reaches every job).
                            failedAlone.withLockedValue { $0[job.id] = error }
                            try await sql.raw("ROLLBACK TO SAVEPOINT fastsmtp_job").run()
                            try await sql.raw("RELEASE SAVEPOINT fastsmtp_job").run()
                        }
                    }
                    try await sql.raw("COMMIT").run()
                } catch {
                    do {
                        try await sql.raw("ROLLBACK").run()
                    } catch {
                        self.logger.warning("rollback failed", metadata: ["error": "\(String(reflecting: error))"])
                    }
                    throw error
                }
            }
        } catch {
            // No connection, or BEGIN, a savepoint or COMMIT failed: nothing of this batch exists. With no connection
            // nothing was taken: the callers waiting now are told (a retry is theirs to make).
            var jobs = begun.withLockedValue { $0 }
            if jobs.isEmpty {
                jobs = take().filter { job in
                    if job.began() { return true }
                    job.finish(.skipped)
                    return false
                }
            }
            let alone = failedAlone.withLockedValue { $0 }
            for job in jobs { job.finish(.failed(alone[job.id] ?? error)) }
            logger.warning(
                "a group transaction failed; its writes were rolled back and their callers told",
                metadata: ["jobs": "\(jobs.count)", "error": "\(String(reflecting: error))"])
            return
        }
        let alone = failedAlone.withLockedValue { $0 }
        let jobs = begun.withLockedValue { $0 }
        if !jobs.isEmpty {
            state.withLockedValue {
                $0.commits += 1
                $0.committedJobs += jobs.count - alone.count
            }
        }
        for job in jobs {
            job.finish(alone[job.id].map { .failed($0) } ?? .committed)
        }
    }

    /// Takes up to ``maxBatch`` queued jobs, oldest first.
    private func take() -> [Job] {
        state.withLockedValue { state -> [Job] in
            let jobs = Array(state.queue.prefix(maxBatch))
            state.queue.removeFirst(jobs.count)
            return jobs
        }
    }
}
