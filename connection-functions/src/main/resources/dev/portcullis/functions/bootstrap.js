// Evaluated once per context, before the function's code. Builds the guest side of the runtime:
// console, the cloudfront module's default export (cf.kvs()), the connection object and the invoke
// function the host calls for each connection. Everything the host needs comes back from outcome()
// as one number or one string (each value read across the host boundary costs about as much as a
// line of the function); the intrinsics used here are captured now, so a function that patches
// Promise or Array cannot change how its own result is read.
(function (host, functionName, storeName, captureConsole, codes) {
    'use strict';
    // The numbers host and guest exchange, named by the host (GuestProtocol.java).
    const OP = {STORE_LOADED: codes.op.STORE_LOADED, EXISTS: codes.op.EXISTS, GET: codes.op.GET,
        CREATED: codes.op.CREATED, LAST_UPDATED: codes.op.LAST_UPDATED, KEY_COUNT: codes.op.KEY_COUNT};
    const PENDING = codes.settled.PENDING, DONE = codes.settled.DONE, FAILED = codes.settled.FAILED;
    const NONE = codes.decision.NONE, ALLOW = codes.decision.ALLOW, DENY = codes.decision.DENY;
    const g = globalThis;
    const StringOf = String;
    const ErrorOf = Error;
    const TypeErrorOf = TypeError;
    const Uint8ArrayOf = Uint8Array;
    const apply = Reflect.apply;
    const defineProperty = Object.defineProperty;
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
                throw new ErrorOf("cf.kvs(): no KeyValueStore is associated with connection function '"
                    + functionName + "'");
            }
            if (host(OP.STORE_LOADED, '') !== true) {
                throw new ErrorOf('cf.kvs(): KeyValueStore ' + storeName + ' is not loaded');
            }
            return kvsHandle;
        },
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
        const state = { settled: PENDING, decision: NONE, customData: null, error: null, stack: null, lines: [] };
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
        const fail = (e) => {
            const d = describe(e);
            state.error = d[0];
            state.stack = d[1];
            state.settled = FAILED;
        };
        try {
            const result = handler(connection);
            if (result !== null && (typeof result === 'object' || typeof result === 'function')
                && typeof result.then === 'function') {
                apply(promiseThen, promiseResolve(result), [() => { state.settled = DONE; }, fail]);
            } else {
                state.settled = DONE;
            }
        } catch (e) {
            fail(e);
        }
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

    // Called once after the function's code ran: takes the handler it handed over and tidies globals.
    function seal() {
        handler = g.__portcullis_handler;
        delete g.__portcullis_handler;
        delete g.__portcullis_cloudfront;
        return typeof handler === 'function';
    }

    return { invoke: invoke, seal: seal, outcome: outcome };
})
