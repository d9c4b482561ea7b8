// Captures a child's output up to a byte limit, keeping both the head and the tail (errors are usually
// at the end), while still draining everything so the child never blocks on a full pipe.
/** Collects chunks; `text()` returns head + an omission marker + tail once the limit was exceeded. */
export class CappedOutput {
    headLimit;
    tailLimit;
    head = [];
    headBytes = 0;
    tail = [];
    tailBytes = 0;
    omitted = 0;
    constructor(limitBytes) {
        this.headLimit = Math.ceil(limitBytes / 2);
        this.tailLimit = Math.floor(limitBytes / 2);
    }
    get truncated() {
        return this.omitted > 0;
    }
    push(chunk) {
        let rest = chunk;
        if (this.headBytes < this.headLimit) {
            const take = Math.min(this.headLimit - this.headBytes, rest.length);
            this.head.push(rest.subarray(0, take));
            this.headBytes += take;
            rest = rest.subarray(take);
        }
        if (rest.length === 0)
            return;
        this.tail.push(rest);
        this.tailBytes += rest.length;
        this.trimTail();
    }
    trimTail() {
        while (this.tailBytes > this.tailLimit) {
            const first = this.tail[0];
            if (first === undefined)
                return;
            const excess = this.tailBytes - this.tailLimit;
            if (first.length <= excess) {
                this.tail.shift();
                this.tailBytes -= first.length;
                this.omitted += first.length;
            }
            else {
                this.tail[0] = first.subarray(excess);
                this.tailBytes -= excess;
                this.omitted += excess;
            }
        }
    }
    text() {
        const head = Buffer.concat(this.head).toString('utf8');
        const tail = Buffer.concat(this.tail).toString('utf8');
        return this.omitted > 0 ? `${head}\n[... ${this.omitted} bytes omitted ...]\n${tail}` : head + tail;
    }
}
//# sourceMappingURL=capped-output.js.map