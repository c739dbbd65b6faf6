// Evaluated once per context, before the function's code. Builds the guest side of the runtime:
// console, the cloudfront module's default export (cf.kvs()), the connection object and the invoke
// function the host calls for each connection. Everything the host needs comes back from outcome()
// as one number or one string (each value read across the host boundary costs about as much as a
// line of the function); the intrinsics used here are captured now, so a function that patches
// Promise or Array cannot change how its own result is read.
(function (host, functionName, storeName, captureConsole, codes, kind) {
    'use strict';
    // The numbers host and guest exchange, named by the host (GuestProtocol.java).
    const OP = {STORE_LOADED: codes.op.STORE_LOADED, EXISTS: codes.op.EXISTS, GET: codes.op.GET,
        CREATED: codes.op.CREATED, LAST_UPDATED: codes.op.LAST_UPDATED, KEY_COUNT: codes.op.KEY_COUNT};
    const PENDING = codes.settled.PENDING, DONE = codes.settled.DONE, FAILED = codes.settled.FAILED;
    const NONE = codes.decision.NONE, ALLOW = codes.decision.ALLOW, DENY = codes.decision.DENY;
    const VIEWER = kind === codes.kind.VIEWER;
    const NO_RESULT = codes.viewerResult.NONE, REQUEST = codes.viewerResult.REQUEST,
        RESPONSE = codes.viewerResult.RESPONSE, UNCHANGED = codes.viewerResult.UNCHANGED;
    const g = globalThis;
    const StringOf = String;
    const ErrorOf = Error;
    const TypeErrorOf = TypeError;
    const Uint8ArrayOf = Uint8Array;
    const apply = Reflect.apply;
    const defineProperty = Object.defineProperty;
    const objectKeys = Object.keys;
    const freeze = Object.freeze;
    const promiseResolve = Promise.resolve.bind(Promise);
    const promiseReject = Promise.reject.bind(Promise);
    const promiseThen = Promise.prototype.then;
    const jsonParse = JSON.parse;
    const jsonStringify = JSON.stringify;
    const encodeURIComponentOf = encodeURIComponent;
    const unescapeOf = unescape;

    let current = null; // the state of the invocation in progress

    // A pattern built at run time (say from a certificate's subject) is compiled by TRegex in host
    // code that the watchdog cannot interrupt: '(a|a)*' repeated 170 times took 0.6 s to compile,
    // 1,000 times about 40 s, blocking a handshake thread. Patterns made at run time are therefore
    // capped; the function's own regex literals are compiled (and timed) when it warms up.
    const MAX_PATTERN = 512;
    const RegExpOf = RegExp;
    const SyntaxErrorOf = SyntaxError;
    const construct = Reflect.construct;
    const isRegExp = (value) => value instanceof RegExpOf;
    const symbolMatch = Symbol.match;
    // The pattern text a RegExp would compile, coerced once: a regex object was compiled already
    // (a literal, or through this check); anything else becomes a string exactly once, so a
    // toString that answers differently the second time gets no second chance.
    function checkedSource(pattern) {
        if (isRegExp(pattern)) {
            return pattern;
        }
        const source = pattern !== null && typeof pattern === 'object' && pattern[symbolMatch]
            ? StringOf(pattern.source) : pattern === undefined ? '' : StringOf(pattern);
        if (source.length > MAX_PATTERN) {
            throw new SyntaxErrorOf('a RegExp pattern made at run time may have at most ' + MAX_PATTERN
                + ' characters in the sandbox (got ' + source.length + ')');
        }
        return source;
    }
    function CheckedRegExp(pattern, flags) {
        const checked = checkedSource(pattern);
        return new.target ? construct(RegExpOf, [checked, flags], new.target) : RegExpOf(checked, flags);
    }
    CheckedRegExp.prototype = RegExpOf.prototype;
    defineProperty(CheckedRegExp, 'name', {value: 'RegExp'});
    // Legacy statics (RegExp.$1, lastMatch, ...) and Symbol.species answer from the real constructor.
    for (const key of Reflect.ownKeys(RegExpOf)) {
        if (key === 'prototype' || key === 'name' || key === 'length') {
            continue;
        }
        const d = Object.getOwnPropertyDescriptor(RegExpOf, key);
        if (d.get || d.set) {
            defineProperty(CheckedRegExp, key, {
                get: d.get ? () => apply(d.get, RegExpOf, []) : undefined,
                set: d.set ? (v) => apply(d.set, RegExpOf, [v]) : undefined,
                configurable: true, enumerable: d.enumerable,
            });
        }
    }
    defineProperty(RegExpOf.prototype, 'constructor', {value: CheckedRegExp, writable: true, configurable: true});
    const compileOf = RegExpOf.prototype.compile;
    if (compileOf) {
        defineProperty(RegExpOf.prototype, 'compile', {
            value: function compile(pattern, flags) { return apply(compileOf, this, [checkedSource(pattern), flags]); },
            writable: true, configurable: true, enumerable: false,
        });
    }
    defineProperty(g, 'RegExp', {value: CheckedRegExp, writable: true, configurable: true, enumerable: false});
    // Array.from over an array-like (no iterator) loops in host code the watchdog cannot interrupt:
    // Array.from({length: 2 ** 32 - 1}) ran on, allocating, until the node's heap was gone. Such a
    // length is capped; iterables run the guest's own iterator, which the watchdog does interrupt.
    const MAX_ARRAY_LIKE = 1000000;
    const RangeErrorOf = RangeError;
    const symbolIterator = Symbol.iterator;
    const arrayFromOf = Array.from;
    defineProperty(Array, 'from', {
        value: function from(items, mapFn, thisArg) {
            if (items !== null && items !== undefined && typeof items[symbolIterator] !== 'function') {
                const length = Number(Object(items).length);
                if (length > MAX_ARRAY_LIKE) {
                    throw new RangeErrorOf('Array.from: an array-like may have at most ' + MAX_ARRAY_LIKE
                        + ' elements in the sandbox (got ' + length + ')');
                }
            }
            return apply(arrayFromOf, this, [items, mapFn, thisArg]);
        },
        writable: true, configurable: true, enumerable: false,
    });
    // match, matchAll and search make a RegExp from a non-regex argument with the intrinsic constructor.
    for (const name of ['match', 'matchAll', 'search']) {
        const original = String.prototype[name];
        defineProperty(String.prototype, name, {
            value: {[name](pattern) { return apply(original, this, [checkedSource(pattern)]); }}[name],
            writable: true, configurable: true, enumerable: false,
        });
    }

    function text(value) {
        if (typeof value === 'string') {
            return value;
        }
        if (value !== null && typeof value === 'object' && !(value instanceof ErrorOf)) {
            try {
                const json = jsonStringify(value);
                if (json !== undefined) {
                    return json;
                }
            } catch (e) {
                // a cycle or a throwing toJSON: fall back to String()
            }
        }
        try {
            return StringOf(value);
        } catch (e) {
            return '[unprintable]';
        }
    }

    function consoleWriter(level) {
        if (!captureConsole) {
            return function () {}; // the node does not log at debug: nothing would read the lines
        }
        return function (...args) {
            const state = current;
            if (state === null || state.lines.length >= 100) {
                return; // outside an invocation, or flooding: dropped
            }
            let line = '';
            for (let i = 0; i < args.length; i++) {
                line += (i === 0 ? '' : ' ') + text(args[i]);
            }
            if (line.length > 4096) {
                line = line.substring(0, 4096) + '...';
            }
            state.lines[state.lines.length] = level + line;
        };
    }

    defineProperty(g, 'console', {
        value: freeze({
            log: consoleWriter(''), info: consoleWriter(''), debug: consoleWriter(''),
            warn: consoleWriter('WARN '), error: consoleWriter('ERROR '),
        }),
        writable: true, configurable: true, enumerable: false,
    });

    function utf8Bytes(s) {
        const binary = unescapeOf(encodeURIComponentOf(s));
        const bytes = new Uint8ArrayOf(binary.length);
        for (let i = 0; i < binary.length; i++) {
            bytes[i] = binary.charCodeAt(i);
        }
        return bytes;
    }

    function settle(body) {
        try {
            return promiseResolve(body());
        } catch (e) {
            return promiseReject(e);
        }
    }

    // host(OP.x, key): EXISTS, GET (string or null), CREATED, LAST_UPDATED, KEY_COUNT, STORE_LOADED
    const kvsHandle = freeze({
        exists(key) {
            return settle(() => host(OP.EXISTS, StringOf(key)) === true);
        },
        get(key, options) {
            return settle(() => {
                const k = StringOf(key);
                const value = host(OP.GET, k);
                if (value === null || value === undefined) {
                    throw new ErrorOf('KeyValueStore ' + storeName + ': key not found: ' + k);
                }
                const format = options === undefined || options === null || options.format === undefined
                    ? 'string' : options.format;
                if (format === 'string') {
                    return value;
                }
                if (format === 'json') {
                    return jsonParse(value);
                }
                if (format === 'bytes') {
                    return utf8Bytes(value);
                }
                throw new TypeErrorOf("kvs.get: unknown format '" + format + "' (use 'string', 'json' or 'bytes')");
            });
        },
        meta() {
            return settle(() => ({
                creationDateTime: host(OP.CREATED, ''), lastUpdatedDateTime: host(OP.LAST_UPDATED, ''),
                keyCount: host(OP.KEY_COUNT, ''),
            }));
        },
    });

    const cf = freeze({
        kvs() {
            if (storeName === null) {
                throw new ErrorOf("cf.kvs(): no KeyValueStore is associated with " + (VIEWER ? '' : 'connection ')
                    + "function '" + functionName + "'");
            }
            if (host(OP.STORE_LOADED, '') !== true) {
                throw new ErrorOf('cf.kvs(): KeyValueStore ' + storeName + ' is not loaded');
            }
            return kvsHandle;
        },
        mtls: VIEWER ? mtlsHelpers() : undefined,
    });
    // Picked up (and removed) by the synthetic 'cloudfront' module when the function imports it.
    defineProperty(g, '__portcullis_cloudfront', { value: cf, configurable: true, enumerable: false });

    function certificate(flat, i) {
        return {
            serialNumber: flat[i], issuer: flat[i + 1], subject: flat[i + 2],
            validity: { notBefore: flat[i + 3], notAfter: flat[i + 4] },
            sha256Fingerprint: flat[i + 5], san: flat[i + 6],
        };
    }

    function describe(e) {
        try {
            if (e !== null && typeof e === 'object' && 'message' in e) {
                return [StringOf(e.name === undefined ? 'Error' : e.name) + ': ' + StringOf(e.message),
                    StringOf(e.stack === undefined ? '' : e.stack)];
            }
            return ['uncaught ' + text(e), ''];
        } catch (x) {
            return ['uncaught exception', ''];
        }
    }

    let handler = null;

    // Runs the handler on its argument: state.settled is DONE with state.result when it returned (or
    // its promise resolved), FAILED with the error when it threw (or its promise rejected); a promise
    // still pending once its jobs ran stays PENDING.
    function runHandler(state, argument) {
        const fail = (e) => {
            const d = describe(e);
            state.error = d[0];
            state.stack = d[1];
            state.settled = FAILED;
        };
        try {
            const result = handler(argument);
            if (result !== null && (typeof result === 'object' || typeof result === 'function')
                && typeof result.then === 'function') {
                apply(promiseThen, promiseResolve(result), [(value) => {
                    state.result = value;
                    state.settled = DONE;
                }, fail]);
            } else {
                state.result = result;
                state.settled = DONE;
            }
        } catch (e) {
            fail(e);
        }
    }


    function revocationEntry(flat, i) {
        const entry = { method: flat[i], status: flat[i + 1], serialNumber: flat[i + 3] };
        if (flat[i + 2] !== null) {
            entry.errorType = flat[i + 2];
        }
        return entry;
    }

    // state.settled: PENDING, DONE or FAILED; state.decision: NONE, ALLOW or DENY.
    // flat: 7 strings per certificate (leaf first), then 4 per revocation entry: the leaf's slot (all
    // null when nothing checked the leaf), then the checked intermediates.
    function invoke(connectionId, clientIp, endpoint, distributionId, certCount, chainValidity, revocationCount, ...flat) {
        const state = { settled: PENDING, decision: NONE, customData: null, error: null, stack: null, lines: [],
            result: undefined };
        current = state;
        let clientCertificate = null;
        if (certCount > 0) {
            const intermediates = [];
            for (let n = 1; n < certCount; n++) {
                intermediates[n - 1] = certificate(flat, n * 7);
            }
            clientCertificate = { certificates: { leaf: certificate(flat, 0), intermediates: intermediates } };
            if (chainValidity !== null) {
                const base = certCount * 7;
                const checkedIntermediates = [];
                for (let n = 1; n < revocationCount; n++) {
                    checkedIntermediates[n - 1] = revocationEntry(flat, base + n * 4);
                }
                clientCertificate.revocationStatus = {
                    chainValidity: chainValidity,
                    certificates: {
                        leaf: flat[base] === null ? null : revocationEntry(flat, base),
                        intermediates: checkedIntermediates,
                    },
                };
            }
        }
        const connection = {
            connectionId: connectionId, clientIp: clientIp, endpoint: endpoint, distributionId: distributionId,
            clientCertificate: clientCertificate,
            // deny wins over allow whatever the order: a function that calls both fails closed
            allow() { if (state.decision === NONE) { state.decision = ALLOW; } },
            deny() { state.decision = DENY; },
            logCustomData(data) { state.customData = text(data); },
        };
        runHandler(state, connection);
        return state;
    }

    function field(value) {
        const s = value === null ? '' : value;
        return s.length + ':' + s;
    }

    // The settled state of the last invocation, read by the host after its promise jobs ran: the
    // decision alone as a number in the common case (settled, no custom data, no console lines), else
    // "settled:decision:" then length-prefixed custom data, error, stack, the line count and the lines.
    function outcome() {
        const state = current;
        if (state.settled === DONE && state.customData === null && state.lines.length === 0) {
            return state.decision;
        }
        let out = state.settled + ':' + state.decision + ':' + field(state.customData) + field(state.error)
            + field(state.stack) + state.lines.length + ':';
        for (let i = 0; i < state.lines.length; i++) {
            out += field(state.lines[i]);
        }
        return out;
    }


    // ---- viewer functions (CloudFront Functions, cloudfront-js-2.0) ----

    // The certificate headers cf.mtls may rename, by their lower-case names.
    const CERT_HEADERS = ['cloudfront-viewer-cert-pem', 'cloudfront-viewer-cert-serial-number',
        'cloudfront-viewer-cert-issuer', 'cloudfront-viewer-cert-subject', 'cloudfront-viewer-cert-validity',
        'cloudfront-viewer-cert-present', 'cloudfront-viewer-cert-sha256', 'client-cert', 'client-cert-chain'];
    const PEM_HEADERS = ['cloudfront-viewer-cert-pem', 'client-cert', 'client-cert-chain'];
    const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

    function viewerState() {
        const state = current;
        if (state === null || state.renames === undefined) {
            throw new ErrorOf('cf.mtls: call it while handling a viewer-request event');
        }
        if (state.eventType !== 'viewer-request') {
            throw new ErrorOf('cf.mtls: the certificate headers can be changed in viewer-request functions only');
        }
        return state;
    }

    function headerName(value, what) {
        if (typeof value !== 'string' || !HEADER_NAME.test(value)) {
            throw new TypeErrorOf(what + ' must be a header name (a token), got ' + text(value));
        }
        return value;
    }

    function sourceHeader(name, allowed, what) {
        const lower = typeof name === 'string' ? name.toLowerCase() : '';
        if (allowed.indexOf(lower) < 0) {
            throw new TypeErrorOf(what + ": '" + text(name) + "' is not one of the headers it can change");
        }
        return lower;
    }

    function optionalText(value, fallback, what) {
        if (value === undefined || value === null) {
            return fallback;
        }
        if (typeof value !== 'string' || /[\r\n\0]/.test(value)) {
            throw new TypeErrorOf(what + ' must be a string without CR, LF or NUL');
        }
        return value;
    }

    function pemFormat(info, what) {
        if (info === undefined || info === null) {
            return null;
        }
        if (typeof info !== 'object') {
            throw new TypeErrorOf(what + '.pemCertFormatInfo must be an object');
        }
        return {
            certHeader: optionalText(info.certHeader, null, what + '.pemCertFormatInfo.certHeader'),
            certFooter: optionalText(info.certFooter, null, what + '.pemCertFormatInfo.certFooter'),
            certEndMarker: optionalText(info.certEndMarker, null, what + '.pemCertFormatInfo.certEndMarker'),
            keepNewlinesInCertData: info.keepNewlinesInCertData === undefined ? null : info.keepNewlinesInCertData === true,
        };
    }

    // The helpers record what to do with the certificate headers the node adds to the origin request
    // (the function never holds the PEM itself); the host applies them after the function returned.
    function mtlsHelpers() {
        return freeze({
            renameClientCertHeaders(map) {
                const state = viewerState();
                if (map === null || typeof map !== 'object') {
                    throw new TypeErrorOf('cf.mtls.renameClientCertHeaders: expects an object {source: newName}');
                }
                for (const source of Object.keys(map)) {
                    const from = sourceHeader(source, CERT_HEADERS, 'cf.mtls.renameClientCertHeaders');
                    const to = headerName(map[source], 'cf.mtls.renameClientCertHeaders: the new name for ' + source);
                    state.renames[state.renames.length] = [from, to, null];
                }
            },
            renamePemHeaders(map) {
                const state = viewerState();
                if (map === null || typeof map !== 'object') {
                    throw new TypeErrorOf('cf.mtls.renamePemHeaders: expects an object {source: {newHeaderName, pemCertFormatInfo}}');
                }
                for (const source of Object.keys(map)) {
                    const what = 'cf.mtls.renamePemHeaders: ' + source;
                    const from = sourceHeader(source, PEM_HEADERS, 'cf.mtls.renamePemHeaders');
                    const spec = map[source];
                    if (spec === null || typeof spec !== 'object') {
                        throw new TypeErrorOf(what + ' must map to {newHeaderName, pemCertFormatInfo}');
                    }
                    const to = spec.newHeaderName === undefined ? source : headerName(spec.newHeaderName, what + '.newHeaderName');
                    state.renames[state.renames.length] = [from, to, pemFormat(spec.pemCertFormatInfo, what)];
                }
            },
            combinePemHeaders(spec) {
                const state = viewerState();
                if (spec === null || typeof spec !== 'object') {
                    throw new TypeErrorOf('cf.mtls.combinePemHeaders: expects an object {newHeaderName, pemCertFormatInfo}');
                }
                const to = headerName(spec.newHeaderName, 'cf.mtls.combinePemHeaders: newHeaderName');
                state.renames[state.renames.length] = ['*combined', to, pemFormat(spec.pemCertFormatInfo,
                    'cf.mtls.combinePemHeaders')];
            },
        });
    }

    // The multiValue an entry had when the event was built (values and attributes, joined), kept out
    // of sight: CloudFront applies a changed multiValue, else a changed value to the first value only.
    const ORIGINAL = Symbol('original multiValue');
    const NUL = String.fromCharCode(0);

    function signature(list) {
        let sig = '';
        for (let n = 0; n < list.length; n++) {
            const item = list[n];
            sig += (item === null || typeof item !== 'object') ? NUL + '!' : NUL + item.value + NUL + item.attributes;
        }
        return list.length + sig;
    }

    function defineEntry(object, name, value) {
        if (name === '__proto__') {
            defineProperty(object, name, {value: value, writable: true, enumerable: true, configurable: true});
        } else {
            object[name] = value;
        }
    }

    // Adds one value under name: {value} the first time, then also multiValue with every value in order.
    function addValue(object, name, entry) {
        const existing = Object.prototype.hasOwnProperty.call(object, name) ? object[name] : undefined;
        if (existing === undefined) {
            defineEntry(object, name, entry);
            return;
        }
        if (existing.multiValue === undefined) {
            const first = {value: existing.value};
            if (existing.attributes !== undefined) {
                first.attributes = existing.attributes;
            }
            existing.multiValue = [first, entry];
        } else {
            existing.multiValue[existing.multiValue.length] = entry;
        }
        defineProperty(existing, ORIGINAL, {value: signature(existing.multiValue), writable: true, configurable: true,
            enumerable: false});
    }

    // Header names the host sends as their index in this list (KnownHeaderNames.java, which fills it
    // in): literals of this source, so the same string objects in every call and context, and the
    // headers object's keys compare by identity.
    const KNOWN_HEADER_NAMES = [/* KNOWN_HEADER_NAMES */];

    // Writes the names back as strings, so later readers of flat (requestUnchanged) see names only.
    function headersFrom(flat, at, count, cookieHeader, cookies) {
        const headers = {};
        for (let n = 0; n < count; n++) {
            let name = flat[at + 2 * n];
            if (typeof name === 'number') {
                name = KNOWN_HEADER_NAMES[name];
                flat[at + 2 * n] = name;
            }
            const value = flat[at + 2 * n + 1];
            if (name === cookieHeader) {
                if (cookieHeader === 'cookie') {
                    requestCookies(value, cookies);
                } else {
                    responseCookie(value, cookies);
                }
            } else {
                addValue(headers, name, {value: value});
            }
        }
        return headers;
    }

    function requestCookies(header, cookies) {
        const parts = header.split(';');
        for (let i = 0; i < parts.length; i++) {
            const part = parts[i].trim();
            if (part.length === 0) {
                continue;
            }
            const eq = part.indexOf('=');
            addValue(cookies, eq < 0 ? part : part.substring(0, eq), {value: eq < 0 ? '' : part.substring(eq + 1)});
        }
    }

    function responseCookie(header, cookies) {
        const semi = header.indexOf(';');
        const pair = semi < 0 ? header : header.substring(0, semi);
        const eq = pair.indexOf('=');
        const entry = {value: eq < 0 ? '' : pair.substring(eq + 1).trim()};
        if (semi >= 0) {
            entry.attributes = header.substring(semi + 1).trim();
        }
        addValue(cookies, (eq < 0 ? pair : pair.substring(0, eq)).trim(), entry);
    }

    function querystringFrom(raw) {
        const query = {};
        if (raw.length === 0) {
            return query;
        }
        const parts = raw.split('&');
        for (let i = 0; i < parts.length; i++) {
            const part = parts[i];
            if (part.length === 0) {
                continue;
            }
            const eq = part.indexOf('=');
            addValue(query, eq < 0 ? part : part.substring(0, eq), {value: eq < 0 ? '' : part.substring(eq + 1)});
        }
        return query;
    }

    // The viewer-request handler returned the event's request as it was built: the same uri, no query
    // or cookies (as the viewer sent none), and the headers the viewer's pairs made, each with its
    // value and no multiValue. The host then forwards the viewer's request as it came: nothing needs
    // encoding or checking. A request with a query, cookies or a repeated header is always encoded.
    function requestUnchanged(state) {
        const result = state.result;
        const p = state.pristine;
        if (p === null || result !== p.request || result.uri !== p.uri || result.headers !== p.headers
            || result.querystring !== p.querystring || result.cookies !== p.cookies
            || objectKeys(p.querystring).length !== 0 || objectKeys(p.cookies).length !== 0) {
            return false;
        }
        const headers = p.headers;
        const flat = p.flat;
        const n = p.headerCount;
        if (objectKeys(headers).length !== n) {
            return false;
        }
        for (let i = 0; i < n; i++) {
            const entry = headers[flat[2 * i]];
            if (entry === undefined || entry === null || entry.value !== flat[2 * i + 1] || entry.multiValue !== undefined) {
                return false;
            }
        }
        return true;
    }

    // flat: the request's headers as (lower-case name, value) pairs; for viewer-response then the
    // status, its description and the response's header pairs.
    function invokeViewer(eventType, domainName, distributionId, requestId, connectionId, viewerIp, method, uri,
                          rawQuery, headerCount, ...flat) {
        const state = { settled: PENDING, result: undefined, error: null, stack: null, lines: [], renames: [],
            eventType: eventType, pristine: null };
        current = state;
        const requestCookieJar = {};
        const request = {
            method: method, uri: uri, querystring: querystringFrom(rawQuery),
            headers: headersFrom(flat, 0, headerCount, 'cookie', requestCookieJar), cookies: requestCookieJar,
        };
        // Without a query or cookies the headers object has one entry per pair exactly when no name repeats.
        state.pristine = rawQuery.length === 0 ? {request: request, uri: uri, headers: request.headers,
            querystring: request.querystring, cookies: requestCookieJar, flat: flat, headerCount: headerCount} : null;
        const event = {
            version: '1.0',
            context: { distributionDomainName: domainName, distributionId: distributionId, eventType: eventType,
                requestId: requestId, connectionId: connectionId },
            viewer: { ip: viewerIp },
            request: request,
        };
        if (eventType === 'viewer-response') {
            const at = 2 * headerCount;
            const responseCookieJar = {};
            event.response = {
                statusCode: flat[at], statusDescription: flat[at + 1],
                headers: headersFrom(flat, at + 3, flat[at + 2], 'set-cookie', responseCookieJar),
                cookies: responseCookieJar,
            };
        }
        runHandler(state, event);
        return state;
    }

    function invalid(message) {
        throw new TypeErrorOf('invalid return: ' + message);
    }

    function stringValue(value, what) {
        if (typeof value !== 'string') {
            invalid(what + ' must be a string, got ' + (value === null ? 'null' : typeof value));
        }
        return value;
    }

    // name:value fields for every value of every entry, multiValue (when present) winning over value.
    function encodeValues(object, what, withAttributes, lowerCase) {
        if (object === undefined || object === null) {
            return '0:';
        }
        if (typeof object !== 'object') {
            invalid(what + ' must be an object');
        }
        let count = 0;
        let out = '';
        const names = Object.keys(object);
        for (let i = 0; i < names.length; i++) {
            const name = names[i];
            const entry = object[name];
            if (entry === undefined) {
                continue;
            }
            if (entry === null || typeof entry !== 'object') {
                invalid(what + '.' + name + ' must be an object {value}');
            }
            const key = lowerCase ? name.toLowerCase() : name;
            const list = entry.multiValue;
            if (list !== undefined && list !== null) {
                if (!Array.isArray(list)) {
                    invalid(what + '.' + name + '.multiValue must be an array');
                }
                let n = 0;
                if (entry[ORIGINAL] !== undefined && entry[ORIGINAL] === signature(list) && list.length > 0
                    && entry.value !== list[0].value) {
                    // multiValue untouched, value changed: the change replaces the first value only
                    out += field(key) + field(stringValue(entry.value, what + '.' + name + '.value'));
                    if (withAttributes) {
                        out += field(entry.attributes === undefined ? '' : stringValue(entry.attributes, what + '.' + name + '.attributes'));
                    }
                    count++;
                    n = 1;
                }
                for (; n < list.length; n++) {
                    const item = list[n];
                    if (item === null || typeof item !== 'object') {
                        invalid(what + '.' + name + '.multiValue[' + n + '] must be an object {value}');
                    }
                    out += field(key) + field(stringValue(item.value, what + '.' + name + '.multiValue[' + n + '].value'));
                    if (withAttributes) {
                        out += field(item.attributes === undefined ? '' : stringValue(item.attributes, what + '.' + name + '.attributes'));
                    }
                    count++;
                }
            } else {
                out += field(key) + field(stringValue(entry.value, what + '.' + name + '.value'));
                if (withAttributes) {
                    out += field(entry.attributes === undefined ? '' : stringValue(entry.attributes, what + '.' + name + '.attributes'));
                }
                count++;
            }
        }
        return count + ':' + out;
    }

    function encodeRequest(request) {
        const uri = stringValue(request.uri, 'request.uri');
        return REQUEST + ':' + field(uri) + encodeValues(request.querystring, 'request.querystring', false, false)
            + encodeValues(request.headers, 'request.headers', false, true)
            + encodeValues(request.cookies, 'request.cookies', false, false);
    }

    function encodeResponse(response, withBody) {
        const code = response.statusCode;
        if (typeof code !== 'number' || code !== Math.floor(code) || code < 200 || code > 599) {
            invalid('response.statusCode must be a whole number from 200 to 599, got ' + text(code));
        }
        let out = RESPONSE + ':' + code + ':'
            + field(response.statusDescription === undefined ? '' : stringValue(response.statusDescription, 'response.statusDescription'))
            + encodeValues(response.headers, 'response.headers', false, true)
            + encodeValues(response.cookies, 'response.cookies', true, false);
        const body = withBody ? response.body : undefined;
        if (body === undefined || body === null) {
            return out + field('') + field('');
        }
        if (typeof body === 'string') {
            return out + field('text') + field(body);
        }
        if (typeof body !== 'object') {
            invalid('response.body must be a string or {encoding, data}');
        }
        const encoding = body.encoding === undefined ? 'text' : body.encoding;
        if (encoding !== 'text' && encoding !== 'base64') {
            invalid("response.body.encoding must be 'text' or 'base64', got " + text(encoding));
        }
        return out + field(encoding) + field(stringValue(body.data, 'response.body.data'));
    }

    // What the handler returned, checked and encoded: a response (it has a statusCode) or the request.
    function encodeResult(state) {
        const result = state.result;
        if (result === undefined || result === null || typeof result !== 'object') {
            invalid('the handler must return ' + (state.eventType === 'viewer-request'
                ? 'the request or a response' : 'the response') + ', got ' + (result === null ? 'null' : typeof result));
        }
        if (state.eventType === 'viewer-response') {
            return encodeResponse(result, false);
        }
        if (result.statusCode !== undefined) {
            return encodeResponse(result, true);
        }
        if (requestUnchanged(state)) {
            return UNCHANGED + ':';
        }
        return encodeRequest(result);
    }

    function optionalField(value) {
        return value === null ? '-1:' : field(value);
    }

    function encodeRenames(renames) {
        let out = renames.length + ':';
        for (let i = 0; i < renames.length; i++) {
            const r = renames[i];
            const pem = r[2];
            out += field(r[0]) + field(r[1]);
            if (pem === null) {
                out += '0:';
            } else {
                out += '1:' + optionalField(pem.certHeader) + optionalField(pem.certFooter)
                    + optionalField(pem.certEndMarker)
                    + (pem.keepNewlinesInCertData === null ? '2:' : pem.keepNewlinesInCertData ? '1:' : '0:');
            }
        }
        return out;
    }

    // "settled:" error, stack, the console lines, then (when DONE) the renames and the encoded result.
    function viewerOutcome() {
        const state = current;
        if (state.settled === DONE && state.lines.length === 0 && state.renames.length === 0
            && state.eventType === 'viewer-request' && typeof state.result === 'object' && state.result !== null
            && state.result.statusCode === undefined && requestUnchanged(state)) {
            return UNCHANGED; // the common case as a number: nothing to encode, nothing to parse
        }
        let payload = '';
        if (state.settled === DONE) {
            try {
                payload = encodeRenames(state.renames) + encodeResult(state);
            } catch (e) {
                const d = describe(e);
                state.error = d[0];
                state.stack = d[1];
                state.settled = FAILED;
                payload = '';
            }
        }
        let out = state.settled + ':' + field(state.error) + field(state.stack) + state.lines.length + ':';
        for (let i = 0; i < state.lines.length; i++) {
            out += field(state.lines[i]);
        }
        return out + payload;
    }

    // Runs the bootstrap's own viewer paths (cf.mtls, every encoder) once, when a function warms up:
    // code a function reaches only on some requests would otherwise be interpreted and its nodes made
    // on its first real call, which then allocates past a 2 MB limit.
    function exercise() {
        const saved = current;
        const state = { settled: DONE, result: null, error: null, stack: null, lines: [], renames: [],
            eventType: 'viewer-request', pristine: null };
        current = state;
        try {
            const helpers = cf.mtls;
            for (let i = 0; i < 3; i++) {
                state.renames = [];
                helpers.renameClientCertHeaders({'CloudFront-Viewer-Cert-Subject': 'X-Warm'});
                helpers.renamePemHeaders({'Client-Cert': {newHeaderName: 'X-Warm-Leaf',
                    pemCertFormatInfo: {certHeader: '<', certFooter: '>', certEndMarker: '', keepNewlinesInCertData: true}}});
                helpers.combinePemHeaders({newHeaderName: 'X-Warm-Chain', pemCertFormatInfo: {certEndMarker: ','}});
                const headers = {};
                addValue(headers, 'accept', {value: 'a'});
                addValue(headers, 'accept', {value: 'b'});
                const cookies = {};
                responseCookie('a=b; Path=/', cookies);
                const flat = ['host', 'a'];
                const plain = headersFrom(flat, 0, 1, 'cookie', {});
                const query = querystringFrom('a=1&b');
                const request = {uri: '/', querystring: {}, headers: plain, cookies: {}};
                state.pristine = {request: request, uri: '/', headers: plain, querystring: request.querystring,
                    cookies: request.cookies, flat: flat, headerCount: 1};
                state.result = request; // untouched: the number
                viewerOutcome();
                state.settled = DONE;
                state.lines = ['x']; // untouched, but with a console line: encoded
                viewerOutcome();
                state.lines = [];
                state.settled = DONE;
                state.pristine = null;
                state.result = {uri: '/', querystring: query, headers: headers, cookies: {}};
                viewerOutcome();
                state.settled = DONE;
                state.result = {statusCode: 200, statusDescription: 'OK', headers: headers, cookies: cookies,
                    body: i === 0 ? 'x' : {encoding: 'base64', data: 'eA=='}};
                viewerOutcome();
                state.settled = DONE;
                state.result = {statusCode: 1};
                viewerOutcome();
                state.settled = DONE;
            }
        } finally {
            current = saved;
        }
    }

    // Called once after the function's code ran: takes the handler it handed over and tidies globals.
    function seal() {
        handler = g.__portcullis_handler;
        delete g.__portcullis_handler;
        delete g.__portcullis_cloudfront;
        return typeof handler === 'function';
    }

    return VIEWER ? { invoke: invokeViewer, seal: seal, outcome: viewerOutcome, exercise: exercise }
        : { invoke: invoke, seal: seal, outcome: outcome };
})
