package dev.portcullis.functions;

import static dev.portcullis.functions.TestCertificates.client;
import static dev.portcullis.functions.TestCertificates.connection;
import static dev.portcullis.functions.TestCertificates.storeKey;
import static dev.portcullis.functions.TestCertificates.withoutCertificate;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.portcullis.functions.ConnectionDecision.Outcome;
import dev.portcullis.pki.IssuedCertificate;
import dev.portcullis.truststore.CertificateFacts;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import dev.portcullis.truststore.CertificateRevocation;
import dev.portcullis.truststore.RevocationStatus;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConnectionFunctionTest {
    /** The function from AWS's viewer mTLS blog post, byte for byte in behaviour. */
    static final String BLOG_FUNCTION = """
            import cf from 'cloudfront';
            async function connectionHandler(connection) {
              const kvsHandle = cf.kvs();
              const serialNumber = connection.clientCertificate.certificates.leaf.serialNumber.replace(/:/g, "");
              const isRevoked = await kvsHandle.exists(serialNumber);
              if (isRevoked) { connection.logCustomData(`Revoked certificate: ${serialNumber}`); console.log(`Denying ${serialNumber}`); return connection.deny(); }
              connection.logCustomData(`Valid certificate: ${serialNumber}`);
              return connection.allow();
            }
            """;
    /** Generous: these tests check behaviour, not speed, and must not flake on a busy 2-CPU machine. */
    static final FunctionLimits RELAXED = new FunctionLimits(Duration.ofSeconds(2), 2L * 1024 * 1024);

    static FunctionRuntime runtime;
    static final IssuedCertificate REVOKED = client("CN=revoked-device,O=Example");
    static final IssuedCertificate VALID = client("CN=good-device,O=Example");
    static final KeyValueStores STORES = KeyValueStores.of(KeyValueStore.of("revoked-serials", Map.of(
            storeKey(REVOKED), "revoked 2026-01-02",
            "config", "{\"allowedOrgs\":[\"Example\"],\"minBits\":256}",
            "greeting", "grüß dich")));

    @TempDir
    Path dir;

    @BeforeAll
    static void startRuntime() {
        runtime = FunctionRuntime.create();
    }

    @AfterAll
    static void stopRuntime() {
        runtime.close();
    }

    private ConnectionFunction compile(String code) throws Exception {
        return compile("function.js", code, Optional.of("revoked-serials"), RELAXED);
    }

    private ConnectionFunction compile(String fileName, String code, Optional<String> store, FunctionLimits limits)
            throws Exception {
        Path file = dir.resolve(fileName);
        Files.writeString(file, code, StandardCharsets.UTF_8);
        return runtime.compile("test-function", file, store, limits, STORES);
    }

    @Test
    void blogFunctionDeniesRevokedSerial() throws Exception {
        try (ConnectionFunction function = compile("revocation.js", BLOG_FUNCTION, Optional.of("revoked-serials"), RELAXED)) {
            assertThat(function.isModule()).isTrue();
            String serial = storeKey(REVOKED);

            ConnectionDecision decision = function.invoke(connection("conn-1", REVOKED));

            assertThat(decision.outcome()).isEqualTo(Outcome.DENY);
            assertThat(decision.error()).isEmpty();
            assertThat(decision.customData()).isEqualTo("Revoked certificate: " + serial);
            assertThat(decision.consoleLines()).containsExactly("Denying " + serial);
            assertThat(decision.elapsed()).isPositive();
        }
    }

    @Test
    void blogFunctionAllowsValidSerial() throws Exception {
        try (ConnectionFunction function = compile("revocation.js", BLOG_FUNCTION, Optional.of("revoked-serials"), RELAXED)) {
            ConnectionDecision decision = function.invoke(connection("conn-2", VALID));

            assertThat(decision.outcome()).isEqualTo(Outcome.ALLOW);
            assertThat(decision.customData()).isEqualTo("Valid certificate: " + storeKey(VALID));
            assertThat(decision.consoleLines()).isEmpty();
            assertThat(decision.allowed()).isTrue();
        }
    }

    @Test
    void withoutConsoleCaptureTheDecisionAndCustomDataStayTheSame() throws Exception {
        Path file = dir.resolve("revocation.js");
        Files.writeString(file, BLOG_FUNCTION, StandardCharsets.UTF_8);
        try (FunctionRuntime quiet = FunctionRuntime.create(false);
             ConnectionFunction function = quiet.compile("test-function", file, Optional.of("revoked-serials"), RELAXED, STORES)) {
            ConnectionDecision revoked = function.invoke(connection("conn-3", REVOKED));
            ConnectionDecision valid = function.invoke(connection("conn-4", VALID));

            assertThat(revoked.outcome()).isEqualTo(Outcome.DENY);
            assertThat(revoked.customData()).isEqualTo("Revoked certificate: " + storeKey(REVOKED));
            assertThat(revoked.consoleLines()).isEmpty();
            assertThat(valid.outcome()).isEqualTo(Outcome.ALLOW);
            assertThat(valid.consoleLines()).isEmpty();
        }
    }

    @Test
    void outcomeWithSeparatorsInTheTextsIsReadBack() throws Exception {
        try (ConnectionFunction function = compile("""
                function connectionHandler(connection) {
                  console.log('12:34:', '');
                  console.log('');
                  connection.logCustomData('3:abc:');
                  connection.allow();
                }
                """)) {
            ConnectionDecision decision = function.invoke(connection("c1", VALID));

            assertThat(decision.outcome()).isEqualTo(Outcome.ALLOW);
            assertThat(decision.customData()).isEqualTo("3:abc:");
            assertThat(decision.consoleLines()).containsExactly("12:34: ", "");
        }
    }

    @Test
    void storeReplacedBetweenInvocationsIsSeenByTheNext() throws Exception {
        KeyValueStores stores = KeyValueStores.of(KeyValueStore.of("revoked-serials", Map.of("00", "x")));
        Path file = dir.resolve("revocation.js");
        Files.writeString(file, BLOG_FUNCTION);
        try (ConnectionFunction function = runtime.compile("f", file, Optional.of("revoked-serials"), RELAXED, stores)) {
            assertThat(function.invoke(connection("c1", VALID)).outcome()).isEqualTo(Outcome.ALLOW);

            stores.replace(KeyValueStore.of("revoked-serials", Map.of(storeKey(VALID), "revoked now")));

            assertThat(function.invoke(connection("c2", VALID)).outcome()).isEqualTo(Outcome.DENY);
        }
    }

    @Test
    void plainSyncScript() throws Exception {
        try (ConnectionFunction function = compile("""
                function connectionHandler(connection) {
                  if (connection.clientCertificate === null) {
                    connection.logCustomData('no certificate');
                    connection.deny();
                    return;
                  }
                  connection.allow();
                }
                """)) {
            assertThat(function.isModule()).isFalse();
            assertThat(function.invoke(connection("c1", VALID)).outcome()).isEqualTo(Outcome.ALLOW);
            ConnectionDecision none = function.invoke(withoutCertificate("c2"));
            assertThat(none.outcome()).isEqualTo(Outcome.DENY);
            assertThat(none.customData()).isEqualTo("no certificate");
        }
    }

    @Test
    void subjectBasedPolicy() throws Exception {
        try (ConnectionFunction function = compile("""
                function connectionHandler(connection) {
                  const leaf = connection.clientCertificate.certificates.leaf;
                  const org = /(?:^|,)O=([^,]+)/.exec(leaf.subject);
                  if (org && org[1] === 'Example' && /(?:^|,)CN=good-/.test(leaf.subject)) {
                    return connection.allow();
                  }
                  connection.logCustomData('subject not allowed: ' + leaf.subject);
                  return connection.deny();
                }
                """)) {
            assertThat(function.invoke(connection("c1", VALID)).outcome()).isEqualTo(Outcome.ALLOW);
            ConnectionDecision other = function.invoke(connection("c2", client("CN=good-device,O=Other")));
            assertThat(other.outcome()).isEqualTo(Outcome.DENY);
            assertThat(other.customData()).isEqualTo("subject not allowed: CN=good-device,O=Other");
        }
    }

    @Test
    void connectionObjectCarriesTheFacts() throws Exception {
        try (ConnectionFunction function = compile("""
                function connectionHandler(connection) {
                  const c = connection.clientCertificate.certificates;
                  console.log(connection.connectionId, connection.clientIp, connection.endpoint, connection.distributionId);
                  console.log(c.leaf.serialNumber, c.leaf.subject, c.leaf.issuer);
                  console.log(c.leaf.validity.notBefore, c.leaf.validity.notAfter);
                  console.log(c.leaf.sha256Fingerprint, c.leaf.san);
                  console.log(c.intermediates.length, c.intermediates[0].subject);
                  console.warn({ok: true});
                  connection.allow();
                }
                """)) {
            CertificateFacts leaf = TestCertificates.facts(VALID.certificate());
            CertificateFacts ca = TestCertificates.facts(TestCertificates.INTERMEDIATE.certificate());

            ConnectionDecision decision = function.invoke(connection("conn-9", VALID));

            assertThat(decision.outcome()).isEqualTo(Outcome.ALLOW);
            assertThat(decision.consoleLines()).containsExactly(
                    "conn-9 198.51.100.7 api.example.com E2QWRUHEXAMPLE",
                    leaf.serialNumber() + " CN=good-device,O=Example CN=Test Issuing CA,O=Example",
                    Instant.ofEpochSecond(leaf.notBefore().getEpochSecond()) + " "
                            + Instant.ofEpochSecond(leaf.notAfter().getEpochSecond()),
                    leaf.sha256Fingerprint() + " DNS:device.example.com",
                    "1 " + ca.subject(),
                    "WARN {\"ok\":true}");
            assertThat(decision.consoleLines().get(2)).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ \\S+Z");
        }
    }

    @Test
    void noCertificateIsNullAndEndpointMayBeNull() throws Exception {
        try (ConnectionFunction function = compile("""
                function connectionHandler(connection) {
                  console.log(String(connection.clientCertificate), String(connection.endpoint));
                  connection.allow();
                }
                """)) {
            ConnectionDecision decision = function.invoke(withoutCertificate("c1"));
            assertThat(decision.consoleLines()).containsExactly("null null");
        }
    }

    @Test
    void asyncHandlerWithSeveralAwaits() throws Exception {
        try (ConnectionFunction function = compile("""
                import cf from 'cloudfront';
                async function policy(kvs) {
                  return await kvs.get('config', {format: 'json'});
                }
                async function connectionHandler(connection) {
                  const kvs = cf.kvs();
                  const config = await policy(kvs);
                  const greeting = await kvs.get('greeting');
                  const bytes = await kvs.get('greeting', {format: 'bytes'});
                  const meta = await kvs.meta();
                  console.log(greeting, bytes.length, bytes[2], meta.keyCount, typeof meta.creationDateTime);
                  const org = /O=([^,]+)/.exec(connection.clientCertificate.certificates.leaf.subject)[1];
                  if (config.allowedOrgs.includes(org) && !(await kvs.exists('nope'))) {
                    connection.allow();
                  } else {
                    connection.deny();
                  }
                }
                """)) {
            ConnectionDecision decision = function.invoke(connection("c1", VALID));

            assertThat(decision.error()).isEmpty();
            assertThat(decision.outcome()).isEqualTo(Outcome.ALLOW);
            // "grüß dich" is 11 bytes in UTF-8; byte 2 is the first of ü (0xC3)
            assertThat(decision.consoleLines()).containsExactly("grüß dich 11 195 3 string");
        }
    }

    @Test
    void kvsMetaReportsTimesAndCount() throws Exception {
        Instant created = Instant.parse("2025-06-01T10:00:00Z");
        Instant updated = Instant.parse("2026-01-02T03:04:05Z");
        KeyValueStores stores = KeyValueStores.of(KeyValueStore.of("s", Map.of("a", "1", "b", "2"), created, updated));
        Path file = dir.resolve("meta.js");
        Files.writeString(file, """
                import cf from 'cloudfront';
                async function connectionHandler(connection) {
                  const m = await cf.kvs().meta();
                  console.log(m.creationDateTime, m.lastUpdatedDateTime, m.keyCount);
                  connection.allow();
                }
                """);
        try (ConnectionFunction function = runtime.compile("f", file, Optional.of("s"), RELAXED, stores)) {
            assertThat(function.invoke(withoutCertificate("c")).consoleLines())
                    .containsExactly("2025-06-01T10:00:00Z 2026-01-02T03:04:05Z 2");
        }
    }

    @Test
    void uncaughtErrorIsErrorWithLocation() throws Exception {
        try (ConnectionFunction function = compile("throws.js", """
                function connectionHandler(connection) {
                  const x = 1;
                  x();
                  connection.allow();
                }
                """, Optional.empty(), RELAXED)) {
            ConnectionDecision decision = function.invoke(connection("c1", VALID));
            assertThat(decision.outcome()).isEqualTo(Outcome.ERROR);
            assertThat(decision.error()).isEqualTo("TypeError: x is not a function at throws.js:3");
        }
    }

    @Test
    void errorAfterAllowIsStillError() throws Exception {
        try (ConnectionFunction function = compile("""
                function connectionHandler(connection) {
                  connection.allow();
                  throw new Error('changed my mind');
                }
                """)) {
            ConnectionDecision decision = function.invoke(connection("c1", VALID));
            assertThat(decision.outcome()).isEqualTo(Outcome.ERROR);
            assertThat(decision.error()).isEqualTo("Error: changed my mind at function.js:3");
        }
    }

    @Test
    void neitherAllowNorDenyIsDeny() throws Exception {
        try (ConnectionFunction function = compile("""
                function connectionHandler(connection) {
                  connection.logCustomData('thinking');
                }
                """)) {
            ConnectionDecision decision = function.invoke(connection("c1", VALID));
            assertThat(decision.outcome()).isEqualTo(Outcome.DENY);
            assertThat(decision.error()).isEqualTo(ConnectionDecision.NO_DECISION);
            assertThat(decision.customData()).isEqualTo("thinking");
        }
    }

    @Test
    void denyWinsOverAllow() throws Exception {
        try (ConnectionFunction function = compile("""
                function connectionHandler(connection) { connection.deny(); connection.allow(); }
                """)) {
            assertThat(function.invoke(connection("c1", VALID)).outcome()).isEqualTo(Outcome.DENY);
        }
    }

    @Test
    void infiniteLoopIsCutOffAndTheContextReplaced() throws Exception {
        try (ConnectionFunction function = compile("loop.js", """
                function connectionHandler(connection) {
                  if (connection.connectionId === 'loop') { while (true) {} }
                  connection.allow();
                }
                """, Optional.empty(), FunctionLimits.DEFAULTS)) {
            ConnectionDecision decision = function.invoke(connection("loop", VALID));

            assertThat(decision.outcome()).isEqualTo(Outcome.ERROR);
            // "timeout" (not the statement limit) says the watchdog cut it off; the bound only says it was
            // not left running: on a loaded 2-core machine the cancelling thread can start late (0.43 s seen).
            assertThat(decision.error()).isEqualTo("timeout");
            assertThat(decision.elapsed()).isGreaterThanOrEqualTo(Duration.ofMillis(5)).isLessThan(Duration.ofSeconds(2));
            // the function keeps working on a fresh context (relaxed check of speed: this is not a benchmark)
            ConnectionDecision next = function.invoke(connection("next", VALID));
            assertThat(next.error()).isIn("", "timeout");
            assertThat(function.invoke(connection("loop", VALID)).error()).isEqualTo("timeout");
        }
    }

    @Test
    void aMemoryBombIsCutOffAtItsAllocationBudget() throws Exception {
        try (ConnectionFunction function = compile("bomb.js", """
                function connectionHandler(connection) {
                  if (connection.connectionId === 'bomb') {
                    const keep = [];
                    while (true) { keep.push(new Float64Array(131072)); }
                  }
                  connection.allow();
                }
                """, Optional.empty(), RELAXED)) {
            // 2 s of CPU would allocate gigabytes: only the 2 MB budget can stop it this early.
            for (int i = 0; i < 5; i++) {
                ConnectionDecision bomb = function.invoke(connection("bomb", VALID));
                assertThat(bomb.outcome()).isEqualTo(Outcome.ERROR);
                assertThat(bomb.error()).startsWith("memory limit exceeded: allocated more than 2097152 bytes (");
                assertThat(bomb.elapsed()).isLessThan(java.time.Duration.ofSeconds(1));
                assertThat(function.invoke(connection("fine", VALID)).outcome()).isEqualTo(Outcome.ALLOW);
            }
        }
    }

    @Test
    void globalsPersistOnAContextUntilItIsRetiredByItsAllocationBudget() throws Exception {
        // Each call keeps 1 MB in a global: under the 2 MB a call may allocate, but it adds up. The
        // context is retired after 32 x 2 MB, so what a function can keep this way stays bounded.
        try (ConnectionFunction function = compile("hoard.js", """
                globalThis.kept = [];
                function connectionHandler(connection) {
                  globalThis.kept.push(new Uint8Array(1000000));
                  connection.logCustomData(String(globalThis.kept.length));
                  connection.allow();
                }
                """, Optional.empty(), RELAXED)) { // 2 MB as by default; 2 s, not 5 ms: a busy machine must not time it out
            java.util.List<Integer> counts = new java.util.ArrayList<>();
            for (int i = 0; i < 200; i++) {
                ConnectionDecision decision = function.invoke(connection("c" + i, VALID));
                assertThat(decision.outcome()).as(decision.error()).isEqualTo(Outcome.ALLOW);
                counts.add(Integer.parseInt(decision.customData()));
            }
            // one thread, one pooled context at a time: the global counts 1, 2, 3 ... (CloudFront-like reuse)
            assertThat(counts.subList(0, 3)).containsExactly(1, 2, 3);
            long budget = ConnectionFunction.CONTEXT_ALLOCATION_FACTOR * RELAXED.maxMemoryBytes();
            assertThat(counts).allMatch(n -> (n - 1) * 1_000_000L <= budget); // what is kept never passes the budget
            assertThat(counts).contains(1, atIndexAfter(counts, 3));
        }
    }

    /** Some index past {@code from} where the count started again at 1 (the context was retired). */
    private static org.assertj.core.data.Index atIndexAfter(java.util.List<Integer> counts, int from) {
        for (int i = from; i < counts.size(); i++) {
            if (counts.get(i) == 1) {
                return org.assertj.core.data.Index.atIndex(i);
            }
        }
        throw new AssertionError("the context was never retired: " + counts);
    }

    @Test
    void aPatternMadeAtRunTimeIsCappedSoItsCompilationCannotHoldTheThread() throws Exception {
        // '(a|a)*' x 1000 took ~40 s to compile in host code the watchdog cannot interrupt.
        try (ConnectionFunction function = compile("regex.js", """
                function connectionHandler(connection) {
                  const n = Number(connection.connectionId.substring(1));
                  const how = connection.connectionId[0];
                  const pattern = '(a|a)*'.repeat(n);
                  if (how === 'c') { new RegExp(pattern).test('aaa'); }
                  if (how === 'f') { RegExp(pattern); }
                  if (how === 'm') { 'aaa'.match(pattern); }
                  if (how === 's') { 'aaa'.search(pattern); }
                  connection.logCustomData(String(/a+/ instanceof RegExp) + String(new RegExp('b') instanceof RegExp));
                  connection.allow();
                }
                """, Optional.empty(), RELAXED)) {
            for (String how : new String[] {"c", "f", "m", "s"}) {
                ConnectionDecision refused = function.invoke(connection(how + "1000", VALID));
                assertThat(refused.outcome()).as(how).isEqualTo(Outcome.ERROR);
                assertThat(refused.error()).contains("at most 512 characters");
                assertThat(refused.elapsed()).isLessThan(java.time.Duration.ofSeconds(1));
            }
            ConnectionDecision fine = function.invoke(connection("c10", VALID));
            assertThat(fine.outcome()).as(fine.error()).isEqualTo(Outcome.ALLOW);
            assertThat(fine.customData()).isEqualTo("truetrue"); // literals and instanceof still work
        }
    }

    @Test
    void arrayFromAHugeArrayLikeIsRefusedBeforeItRunsInHostCode() throws Exception {
        // Array.from({length: 2 ** 32 - 1}) looped in host code past every limit until the heap was gone.
        try (ConnectionFunction function = compile("array-from.js", """
                function connectionHandler(connection) {
                  if (connection.connectionId === 'bomb') { Array.from({length: 4294967295}); }
                  const ok = Array.from({length: 3}, (_, i) => i).join() + '|' + Array.from('ab').join() + '|'
                      + Array.from(new Set([1, 2])).length + '|' + Array.from({length: 2, 0: 'x', 1: 'y'}).join();
                  connection.logCustomData(ok);
                  connection.allow();
                }
                """, Optional.empty(), RELAXED)) {
            ConnectionDecision bomb = function.invoke(connection("bomb", VALID));
            assertThat(bomb.outcome()).isEqualTo(Outcome.ERROR);
            assertThat(bomb.error()).contains("Array.from: an array-like may have at most 1000000 elements");
            assertThat(bomb.elapsed()).isLessThan(Duration.ofSeconds(1));
            ConnectionDecision fine = function.invoke(connection("fine", VALID));
            assertThat(fine.outcome()).as(fine.error()).isEqualTo(Outcome.ALLOW);
            assertThat(fine.customData()).isEqualTo("0,1,2|a,b|2|x,y");
        }
    }

    @Test
    void theSandboxHasNoBigIntWhoseArithmeticRunsPastEveryLimit() throws Exception {
        try (ConnectionFunction function = compile("bigint.js", """
                function connectionHandler(connection) {
                  connection.logCustomData(typeof BigInt);
                  connection.allow();
                }
                """, Optional.empty(), RELAXED)) {
            assertThat(function.invoke(connection("c", VALID)).customData()).isEqualTo("undefined");
        }
        assertThatThrownBy(() -> compile("bigint-literal.js", """
                function connectionHandler(connection) { const x = 7n ** (2n ** 24n); connection.allow(); }
                """, Optional.empty(), RELAXED)).isInstanceOf(FunctionCompileException.class);
    }

    @Test
    void theRunTimePatternCapHasNoSideDoorAndLeavesRegExpAsItWas() throws Exception {
        try (ConnectionFunction function = compile("regex-doors.js", """
                function connectionHandler(connection) {
                  const p = '(a|a)*'.repeat(100);
                  const doors = [
                    () => new (/x/.constructor)(p),
                    () => new (RegExp.prototype.constructor)(p),
                    () => { if (!(Object.getPrototypeOf(RegExp)(p) instanceof RegExp)) { throw 0; } },
                    () => new RegExp({toString() { return p; }}),
                    () => new RegExp([p]),
                    () => new RegExp(new String(p)),
                    () => new RegExp({[Symbol.match]: true, source: p, flags: ''}),
                    () => /x/.compile(p),
                    () => 'a'.match({toString() { return p; }}),
                    () => 'a'.search([p]),
                    () => [...'a'.matchAll(p)],
                  ];
                  const open = doors.map((d, i) => { try { d(); return i; } catch (e) { return -1; } }).filter(i => i >= 0);
                  /(b)/.exec('b');
                  const same = [RegExp.$1, /a/.constructor === RegExp, RegExp.name, RegExp.length,
                                'a-b'.split(/-/).length, 'aXa'.replace(/X/g, '-'), new RegExp(/q/g).flags];
                  connection.logCustomData(JSON.stringify({open, same}));
                  connection.allow();
                }
                """, Optional.empty(), RELAXED)) {
            ConnectionDecision decision = function.invoke(connection("c", VALID));
            assertThat(decision.outcome()).as(decision.error()).isEqualTo(Outcome.ALLOW);
            assertThat(decision.customData())
                    .isEqualTo("{\"open\":[],\"same\":[\"b\",true,\"RegExp\",2,2,\"a-a\",\"g\"]}");
        }
    }

    @Test
    void topLevelInfiniteLoopFailsCompileInsteadOfHanging() {
        assertThatThrownBy(() -> compile("spin.js", """
                while (true) {}
                function connectionHandler(connection) { connection.allow(); }
                """, Optional.empty(), FunctionLimits.DEFAULTS))
                .isInstanceOf(FunctionCompileException.class)
                .hasMessageContaining("spin.js")
                .hasMessageContaining("statements");
    }

    @Test
    void pendingPromiseIsError() throws Exception {
        try (ConnectionFunction function = compile("""
                async function connectionHandler(connection) {
                  await new Promise(() => {});
                  connection.allow();
                }
                """)) {
            ConnectionDecision decision = function.invoke(connection("c1", VALID));
            assertThat(decision.outcome()).isEqualTo(Outcome.ERROR);
            assertThat(decision.error()).contains("pending");
        }
    }

    @Test
    void javaIsNotReachable() throws Exception {
        try (ConnectionFunction function = compile("java.js", """
                function connectionHandler(connection) {
                  const System = Java.type('java.lang.System');
                  System.exit(3);
                  connection.allow();
                }
                """, Optional.empty(), RELAXED)) {
            ConnectionDecision decision = function.invoke(connection("c1", VALID));
            assertThat(decision.outcome()).isEqualTo(Outcome.ERROR);
            assertThat(decision.error()).contains("java.lang.System").endsWith("at java.js:2");
        }
    }

    @Test
    void sandboxOffersNoWayOut() throws Exception {
        try (ConnectionFunction function = compile("""
                function connectionHandler(connection) {
                  const names = ['require', 'process', 'load', 'print', 'Polyglot', 'Graal', 'Packages', 'java', 'quit'];
                  console.log(names.map(n => n + ':' + typeof globalThis[n]).join(' '));
                  const tries = [() => eval('1'), () => new Function('return 1')(), () => Java.type('java.io.File'),
                                 () => Java.type('java.lang.Runtime')];
                  console.log(tries.map(t => { try { t(); return 'ran'; } catch (e) { return 'refused'; } }).join(' '));
                  connection.allow();
                }
                """)) {
            ConnectionDecision decision = function.invoke(connection("c1", VALID));
            assertThat(decision.consoleLines()).containsExactly(
                    "require:undefined process:undefined load:undefined print:undefined Polyglot:undefined"
                            + " Graal:undefined Packages:undefined java:undefined quit:undefined",
                    "refused refused refused refused");
        }
    }

    @Test
    void moduleCannotImportFiles() throws Exception {
        assertThatThrownBy(() -> compile("imports.js", """
                import fs from 'fs';
                function connectionHandler(connection) { connection.allow(); }
                """, Optional.empty(), RELAXED))
                .isInstanceOf(FunctionCompileException.class)
                .hasMessageContaining("imports.js");
        assertThatThrownBy(() -> compile("passwd.js", """
                import x from '/etc/passwd';
                function connectionHandler(connection) { connection.allow(); }
                """, Optional.empty(), RELAXED))
                .isInstanceOf(FunctionCompileException.class);
    }

    @Test
    void missingKeyWithGetIsError() throws Exception {
        try (ConnectionFunction function = compile("get.js", """
                import cf from 'cloudfront';
                async function connectionHandler(connection) {
                  const v = await cf.kvs().get('no-such-key');
                  connection.allow();
                }
                """, Optional.of("revoked-serials"), RELAXED)) {
            ConnectionDecision decision = function.invoke(connection("c1", VALID));
            assertThat(decision.outcome()).isEqualTo(Outcome.ERROR);
            assertThat(decision.error()).isEqualTo("Error: KeyValueStore revoked-serials: key not found: no-such-key at get.js:3");
        }
    }

    @Test
    void kvsWithoutAssociationIsAClearError() throws Exception {
        try (ConnectionFunction function = compile("nokvs.js", BLOG_FUNCTION, Optional.empty(), RELAXED)) {
            ConnectionDecision decision = function.invoke(connection("c1", VALID));
            assertThat(decision.outcome()).isEqualTo(Outcome.ERROR);
            assertThat(decision.error()).contains("no KeyValueStore is associated").endsWith("at nokvs.js:3");
        }
    }

    @Test
    void unknownStoreRefusesCompile() {
        assertThatThrownBy(() -> compile("f.js", BLOG_FUNCTION, Optional.of("nope"), RELAXED))
                .isInstanceOf(FunctionCompileException.class)
                .hasMessageContaining("KeyValueStore nope is not loaded");
    }

    @Test
    void customDataIsCutAt800BytesOnACharacterBoundary() throws Exception {
        try (ConnectionFunction function = compile("""
                function connectionHandler(connection) {
                  connection.logCustomData(connection.connectionId === 'euro'
                      ? 'a'.repeat(798) + '€'          // 801 bytes: the euro sign does not fit
                      : 'b'.repeat(797) + '€');        // exactly 800 bytes
                  connection.allow();
                }
                """)) {
            assertThat(function.invoke(connection("euro", VALID)).customData()).isEqualTo("a".repeat(798));
            String exact = function.invoke(connection("exact", VALID)).customData();
            assertThat(exact).isEqualTo("b".repeat(797) + "€");
            assertThat(exact.getBytes(StandardCharsets.UTF_8)).hasSize(800);
        }
        assertThat(ConnectionFunction.truncateUtf8("x".repeat(797) + "😀", 800)).isEqualTo("x".repeat(797));
        assertThat(ConnectionFunction.truncateUtf8("x".repeat(796) + "😀", 800)).isEqualTo("x".repeat(796) + "😀");
    }

    @Test
    void syntaxErrorNamesFileAndLine() {
        assertThatThrownBy(() -> compile("broken.js", """
                function connectionHandler(connection) {
                  connection.allow(;
                }
                """, Optional.empty(), RELAXED))
                .isInstanceOf(FunctionCompileException.class)
                .hasMessageMatching(".*broken\\.js:2: SyntaxError: .+")
                .extracting(e -> ((FunctionCompileException) e).line()).isEqualTo(2);
    }

    @Test
    void missingConnectionHandlerRefusesCompile() {
        assertThatThrownBy(() -> compile("empty.js", """
                function handler(connection) { connection.allow(); }
                """, Optional.empty(), RELAXED))
                .isInstanceOf(FunctionCompileException.class)
                .hasMessageContaining("empty.js")
                .hasMessageContaining("connectionHandler");
        assertThatThrownBy(() -> compile("module.js", """
                import cf from 'cloudfront';
                export const x = 1;
                """, Optional.empty(), RELAXED))
                .hasMessageContaining("connectionHandler");
    }

    @Test
    void topLevelErrorNamesLine() {
        assertThatThrownBy(() -> compile("top.js", """
                const a = 1;
                undefinedThing.call();
                function connectionHandler(connection) { connection.allow(); }
                """, Optional.empty(), RELAXED))
                .isInstanceOf(FunctionCompileException.class)
                .hasMessageContaining("top.js:2: ReferenceError");
    }

    @Test
    void codeOver10KBIsRefused() {
        String code = "function connectionHandler(c) { c.allow(); }\n" + "// padding\n".repeat(1000);
        assertThatThrownBy(() -> compile("big.js", code, Optional.empty(), RELAXED))
                .isInstanceOf(FunctionCompileException.class)
                .hasMessageContaining("big.js")
                .hasMessageContaining("at most 10240");
    }

    @Test
    void concurrentInvocationsAreIndependent() throws Exception {
        try (ConnectionFunction function = compile("revocation.js", BLOG_FUNCTION, Optional.of("revoked-serials"), RELAXED)) {
            int threads = 6;
            int perThread = 150;
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                List<Future<List<String>>> results = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int thread = t;
                    results.add(pool.submit(() -> {
                        List<String> wrong = new ArrayList<>();
                        for (int i = 0; i < perThread; i++) {
                            boolean revoked = (i + thread) % 3 == 0;
                            IssuedCertificate certificate = revoked ? REVOKED : VALID;
                            String id = "t" + thread + "-" + i;
                            ConnectionDecision decision = function.invoke(connection(id, certificate));
                            String expectedData = (revoked ? "Revoked certificate: " : "Valid certificate: ")
                                    + storeKey(certificate);
                            if (decision.outcome() != (revoked ? Outcome.DENY : Outcome.ALLOW)
                                    || !decision.customData().equals(expectedData)
                                    || decision.consoleLines().size() != (revoked ? 1 : 0)) {
                                wrong.add(id + " " + decision);
                            }
                        }
                        return wrong;
                    }));
                }
                for (Future<List<String>> result : results) {
                    assertThat(result.get()).isEmpty();
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void usesFactsFromTheTruststoreParser() throws Exception {
        // CertificateFacts.of() is being written in the truststore module; this fails until it lands.
        CertificateFacts leaf = CertificateFacts.of(REVOKED.certificate());
        ConnectionInput input = new ConnectionInput("c1", "198.51.100.7", "api.example.com", "E1",
                Optional.of(new ClientCertificate(leaf, List.of(CertificateFacts.of(TestCertificates.INTERMEDIATE.certificate())))));
        try (ConnectionFunction function = compile("revocation.js", BLOG_FUNCTION, Optional.of("revoked-serials"), RELAXED)) {
            ConnectionDecision decision = function.invoke(input);
            assertThat(decision.outcome()).isEqualTo(Outcome.DENY);
            assertThat(decision.customData()).isEqualTo("Revoked certificate: " + storeKey(REVOKED));
        }
    }

    @Test
    void seesTheRevocationStatusWithTheLeafInItsOwnSlot() throws Exception {
        String code = """
                function connectionHandler(connection) {
                  const r = connection.clientCertificate.revocationStatus;
                  const i = r.certificates.intermediates;
                  connection.logCustomData(r.chainValidity + '|' + (r.certificates.leaf === null ? 'no-leaf'
                      : r.certificates.leaf.method + ' ' + r.certificates.leaf.status + ' ' + r.certificates.leaf.errorType)
                      + '|' + i.length + ' ' + i[0].method + ' ' + i[0].status + ' ' + ('errorType' in i[0]) + ' ' + i[0].serialNumber);
                  connection.allow();
                }
                """;
        CertificateFacts leaf = TestCertificates.facts(VALID.certificate());
        CertificateFacts intermediate = TestCertificates.facts(TestCertificates.INTERMEDIATE.certificate());
        CertificateRevocation intermediateGood = CertificateRevocation.good(CertificateRevocation.Method.CRL,
                intermediate.serialNumber());
        try (ConnectionFunction function = compile(code)) {
            // only the intermediate was checked (a root CRL, no OCSP): the leaf's slot is null
            ConnectionDecision unchecked = function.invoke(new ConnectionInput("c1", "198.51.100.7", "api.example.com", "E1",
                    Optional.of(new ClientCertificate(leaf, List.of(intermediate),
                            Optional.of(new RevocationStatus(null, List.of(intermediateGood)))))));
            assertThat(unchecked.customData()).isEqualTo("Valid|no-leaf|1 CRL Good false " + intermediate.serialNumber());

            CertificateRevocation leafTimeout = CertificateRevocation.undetermined(CertificateRevocation.Method.OCSP,
                    CertificateRevocation.Status.Error, "Timeout", leaf.serialNumber(), "");
            ConnectionDecision undetermined = function.invoke(new ConnectionInput("c2", "198.51.100.7", "api.example.com", "E1",
                    Optional.of(new ClientCertificate(leaf, List.of(intermediate),
                            Optional.of(new RevocationStatus(leafTimeout, List.of(intermediateGood)))))));
            assertThat(undetermined.customData()).isEqualTo("Unknown|OCSP Error Timeout|1 CRL Good false "
                    + intermediate.serialNumber());
        }
    }

    @Test
    void ownRuntimeCompileForOneOffUse() throws Exception {
        Path file = dir.resolve("revocation.js");
        Files.writeString(file, BLOG_FUNCTION);
        try (ConnectionFunction function = ConnectionFunction.compile("cli", file, Optional.of("revoked-serials"),
                RELAXED, STORES)) {
            assertThat(function.invoke(connection("c1", REVOKED)).outcome()).isEqualTo(Outcome.DENY);
        }
        assertThatThrownBy(() -> ConnectionFunction.compile("cli", dir.resolve("none.js"), Optional.empty(), RELAXED, STORES))
                .hasMessageEndingWith("none.js: no such file");
    }

    @Test
    void warmInvocationTime() throws Exception {
        try (ConnectionFunction function = compile("revocation.js", BLOG_FUNCTION, Optional.of("revoked-serials"), RELAXED)) {
            ConnectionInput input = connection("bench", VALID);
            // the JVM's JIT keeps speeding the Truffle interpreter up for a while: warm for a fixed time
            long warmUntil = System.nanoTime() + Duration.ofSeconds(3).toNanos();
            while (System.nanoTime() < warmUntil) {
                function.invoke(input);
            }
            int runs = 10_000;
            long guestNanos = 0;
            long start = System.nanoTime();
            for (int i = 0; i < runs; i++) {
                guestNanos += function.invoke(input).elapsed().toNanos();
            }
            long wallNanos = System.nanoTime() - start;
            assertThat(function.invoke(input).outcome()).isEqualTo(Outcome.ALLOW);
            System.out.printf("warm blog-function invocation: %.1f us per invoke() (guest time %.1f us)%n",
                    wallNanos / 1000.0 / runs, guestNanos / 1000.0 / runs);
        }
    }

}
