import Foundation
import Hummingbird
import HTTPTypes

/// Request counts and durations for `/metrics` (Prometheus text format).
final class Metrics: @unchecked Sendable {
    static let buckets: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]

    private let lock = NSLock()
    private var requests: [String: Int] = [:]  // "method,status"
    private var bucketCounts = [Int](repeating: 0, count: Metrics.buckets.count)
    private var durationSum = 0.0
    private var durationCount = 0

    func record(method: String, status: Int, seconds: Double) {
        lock.withLock {
            requests["\(method),\(status)", default: 0] += 1
            for (index, bound) in Self.buckets.enumerated() where seconds <= bound { bucketCounts[index] += 1 }
            durationSum += seconds
            durationCount += 1
        }
    }

    func text(extra: [(name: String, help: String, value: Double)]) -> String {
        lock.withLock {
            var lines = [
                "# HELP kith_http_requests_total HTTP requests answered, by method and status.",
                "# TYPE kith_http_requests_total counter",
            ]
            for (key, count) in requests.sorted(by: { $0.key < $1.key }) {
                let parts = key.split(separator: ",")
                lines.append("kith_http_requests_total{method=\"\(parts[0])\",status=\"\(parts[1])\"} \(count)")
            }
            lines += [
                "# HELP kith_http_request_duration_seconds Time to answer a request.",
                "# TYPE kith_http_request_duration_seconds histogram",
            ]
            for (index, bound) in Self.buckets.enumerated() {
                lines.append("kith_http_request_duration_seconds_bucket{le=\"\(bound)\"} \(bucketCounts[index])")
            }
            lines.append("kith_http_request_duration_seconds_bucket{le=\"+Inf\"} \(durationCount)")
            lines.append("kith_http_request_duration_seconds_sum \(durationSum)")
            lines.append("kith_http_request_duration_seconds_count \(durationCount)")
            for metric in extra {
                let type = metric.name.hasSuffix("_total") ? "counter" : "gauge"  // Prometheus's naming convention
                lines += ["# HELP \(metric.name) \(metric.help)", "# TYPE \(metric.name) \(type)", "\(metric.name) \(metric.value)"]
            }
            return lines.joined(separator: "\n") + "\n"
        }
    }
}

/// Counts and times every request, gives it a request id (`X-Request-Id` and the log), and keeps
/// internal errors' details out of responses.
struct ObserveMiddleware: RouterMiddleware {
    typealias Context = WebContext
    let metrics: Metrics

    func handle(_ request: Request, context: WebContext, next: (Request, WebContext) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as HTTPError {
            response = Problem(error.status, error.body ?? error.status.reasonPhrase).response
        } catch let problem as Problem {
            response = problem.response
        } catch let error as any HTTPResponseError {  // a body over the limit (413), ...
            let detail = error.status == .contentTooLarge ? "the request body is larger than this server accepts" : error.status.reasonPhrase
            response = Problem(error.status, detail).response
        } catch {
            context.logger.error("unhandled error: \(error)")
            response = Problem(.internalServerError, "the server could not complete the request; it has been logged").response
        }
        response.headers[HTTPField.Name("X-Request-Id")!] = context.id
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        metrics.record(method: request.method.rawValue, status: Int(response.status.code), seconds: seconds)
        return response
    }
}
