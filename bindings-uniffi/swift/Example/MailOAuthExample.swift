// MailOAuthExample.swift — how an Apple app drives mailoauth through the generated Swift
// binding (`import MailOAuth`). UNTESTED HERE: these machines have no Swift compiler; the names
// are checked against the generated MailOAuth.swift by bindings-uniffi/swift/check-api.
//
// Build the XCFramework first (bindings-uniffi/swift/README.md), add it and MailOAuth.swift to
// the app target, then:
//
//   let tokens = try await deviceCodeSignIn(clientId: "…", tenant: "organizations")
//   let outcome = try imapLogin(host: "outlook.office365.com", port: 993,
//                               user: "someone@contoso.com", token: tokens.accessToken)

import Foundation
import MailOAuth

// MARK: - HTTP with URLSession: the core builds requests and parses responses, the app sends.

func send(_ request: HttpRequest) async throws -> HttpResponse {
    guard let url = URL(string: request.url) else { throw URLError(.badURL) }
    var r = URLRequest(url: url, timeoutInterval: 30)
    r.httpMethod = request.method == .post ? "POST" : "GET"
    for h in request.headers { r.addValue(h.value, forHTTPHeaderField: h.name) }
    if !request.body.isEmpty { r.httpBody = request.body }
    let (body, response) = try await URLSession.shared.data(for: r)
    guard let http = response as? HTTPURLResponse else { throw URLError(.badServerResponse) }
    let headers = http.allHeaderFields.map { HttpHeader(name: "\($0.key)", value: "\($0.value)") }
    return HttpResponse(status: UInt16(http.statusCode), headers: headers, body: body)
}

func now() -> UInt64 { UInt64(Date().timeIntervalSince1970) }

/// The device-code flow: show the code, poll with the core's DevicePoller, get the tokens.
func deviceCodeSignIn(clientId: String, tenant: String) async throws -> TokenSet {
    let cloud = cloudPreset(id: .global)
    let endpoints = try endpointsMicrosoft(cloud: cloud, tenant: tenant)
    let scopes = cloud.delegatedScopes(protocols: [.imap, .smtp], offlineAccess: true)
    let authorization = try parseDeviceAuthorizationResponse(
        response: try await send(try buildDeviceAuthorizationRequest(
            deviceAuthorizationUrl: endpoints.deviceAuthorizationUrl, clientId: clientId, scopes: scopes)),
        now: now())
    print(authorization.message ?? "Open \(authorization.verificationUri) and enter \(authorization.userCode)")
    let poller = try DevicePoller(tokenUrl: endpoints.tokenUrl, clientId: clientId,
                                  authorization: authorization, now: now())
    while true {
        switch poller.nextAction(now: now()) {
        case .pollAt(let at):
            if at > now() { try await Task.sleep(nanoseconds: (at - now()) * 1_000_000_000) }
        case .send(let request):
            do { try poller.receiveResponse(response: try await send(request), now: now()) }
            catch is URLError { try poller.networkFailed(now: now()) }
        case .done(.token(let tokens)):
            return tokens   // print(tokens) shows "[redacted]" for every token
        case .done(.declined):
            throw CancellationError()
        case .done(.expired):
            throw URLError(.timedOut)
        case .done(.failed(let error)):
            throw error     // MailoauthError.Server(code:reason:details:) with the explanation
        }
    }
}

// MARK: - IMAP XOAUTH2 over Foundation streams (TLS on 993), driven by ImapAuth.

/// Reads one line (through LF) from a blocking input stream.
func readLine(_ input: InputStream) throws -> Data {
    var line = Data()
    var byte: UInt8 = 0
    while line.count < 64 * 1024 {
        guard input.read(&byte, maxLength: 1) == 1 else { throw URLError(.networkConnectionLost) }
        line.append(byte)
        if byte == UInt8(ascii: "\n") { return line }
    }
    throw URLError(.cannotParseResponse)
}

func write(_ data: Data, to output: OutputStream) throws {
    try data.withUnsafeBytes { (buf: UnsafeRawBufferPointer) in
        var offset = 0
        while offset < buf.count {
            let n = output.write(buf.baseAddress!.advanced(by: offset).assumingMemoryBound(to: UInt8.self),
                                 maxLength: buf.count - offset)
            if n <= 0 { throw URLError(.networkConnectionLost) }
            offset += n
        }
    }
}

/// Blocking: call it off the main thread.
func imapLogin(host: String, port: Int, user: String, token: String) throws -> AuthOutcome {
    var input: InputStream?
    var output: OutputStream?
    Stream.getStreamsToHost(withName: host, port: port, inputStream: &input, outputStream: &output)
    guard let input, let output else { throw URLError(.cannotConnectToHost) }
    input.setProperty(StreamSocketSecurityLevel.tlsv12, forKey: .socketSecurityLevelKey)
    output.setProperty(StreamSocketSecurityLevel.tlsv12, forKey: .socketSecurityLevelKey)
    input.open(); output.open()
    defer { input.close(); output.close() }

    let greeting = try imapParseGreeting(line: String(decoding: try readLine(input), as: UTF8.self))
    var capabilities = greeting.capabilities
    if capabilities == nil {
        try write(try imapCapabilityCommand(tag: "C1"), to: output)
        reading: while true {
            switch try imapParseResponse(line: String(decoding: try readLine(input), as: UTF8.self)) {
            case .untagged(_, _, let caps): if let caps { capabilities = caps }
            case .tagged(let tag, _, _, let caps) where tag == "C1":
                if let caps { capabilities = caps }
                break reading
            default: continue
            }
        }
    }
    let auth = try ImapAuth(mechanism: .xoauth2, user: user, token: token, tag: "A1",
                            capabilities: capabilities ?? [])
    while true {
        switch auth.nextAction() {
        case .send(let data): try write(data, to: output)
        case .needLine: try auth.receiveLine(line: try readLine(input)) // a server's protocol error ends in .done(.failed)
        case .done(let outcome):
            if case .rejected(let rejection) = outcome, let d = rejection.diagnosis {
                print("refused: \(rejection.serverText)\ncause: \(d.cause)\nfix: \(d.fix)")
            }
            return outcome
        }
    }
}
