/* The optional C build of the hottest patched methods: `async with` on asyncio.Lock and
 * asyncio.Semaphore (see primitives.py, whose pure-Python functions these stand in for).
 *
 * Each method here does exactly what its Python twin does on the common path (a free
 * primitive, a task that already has its record, nothing unusual about the caller) and
 * hands every other case to that twin, untouched: it decides to hand over before it changes
 * anything. The twin is called with the same arguments; a Python function called from here
 * sees the same caller as when it is called directly (C calls add no frame), so its
 * `sys._getframe(1)` is still the user's line.
 *
 * Attributes of an instance of exactly asyncio.Lock, asyncio.Semaphore or asyncio's C Task
 * are read and written in its instance dict directly: those classes define no descriptor,
 * __getattr__ or __setattr__ for the names used here, so this is what the generic protocol
 * would do, minus the type lookups. Instances of any other class (a subclass with a
 * property, __getattr__ or __setattr__) go through PyObject_GetAttr and PyObject_SetAttr.
 * The Python helpers the methods call are handed over once by bind().
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <frameobject.h>
#include <stddef.h>
#if PY_VERSION_HEX >= 0x030C0000
#define SLOT_OBJECT Py_T_OBJECT_EX
#define SLOT_READONLY Py_READONLY
#else
#include <structmember.h>
#define SLOT_OBJECT T_OBJECT_EX
#define SLOT_READONLY READONLY
#endif

#ifdef Py_GIL_DISABLED
#error "the fast paths rely on the GIL; setup.py does not build them for free-threaded CPython"
#endif

/* -- names and the helpers bound from Python ------------------------------------------ */

static PyObject *s_locked, *s_waiters, *s_value, *s_adl_loop, *s_adl_owner, *s_adl_code,
    *s_adl_lasti, *s_adl_st, *s_held, *s_adl_holders, *s_adl_shared, *s_end_once, *s_release,
    *s_adl_released, *s_adl_class;

/* primitives.py's helpers (see bind()); NULL until bound */
static PyObject *task_by_loop, *task_for, *state_of, *nested, *lock_wait, *sem_wait, *drop,
    *sem_taken_py, *unwatch_end, *done, *enter_async_context, *semaphore_type, *lock_type,
    *task_type, *record_type, *sem_release, *lock_release;
static PyObject *one, *not_ordered;
/* where TaskState keeps `held` and `end_once` (its __slots__), or -1 if not found */
static Py_ssize_t held_offset = -1, end_once_offset = -1;

static int
intern_names(void)
{
#define NAME(var, text) \
    if ((var = PyUnicode_InternFromString(text)) == NULL) return -1
    NAME(s_locked, "_locked");
    NAME(s_waiters, "_waiters");
    NAME(s_value, "_value");
    NAME(s_adl_loop, "_adl_loop");
    NAME(s_adl_owner, "_adl_owner");
    NAME(s_adl_code, "_adl_code");
    NAME(s_adl_lasti, "_adl_lasti");
    NAME(s_adl_st, "_adl_st");
    NAME(s_held, "held");
    NAME(s_adl_holders, "_adl_holders");
    NAME(s_adl_shared, "_adl_shared");
    NAME(s_end_once, "end_once");
    NAME(s_release, "release");
    NAME(s_adl_released, "_adl_released");
    NAME(s_adl_class, "_adl_class");
#undef NAME
    if ((not_ordered = PyLong_FromLong(0)) == NULL) {
        return -1;
    }
    return (one = PyLong_FromLong(1)) == NULL ? -1 : 0;
}

/* -- shared steps ------------------------------------------------------------------------ */

/* Outcome of a step: carry on, hand the call to the Python twin, or fail with an error. */
enum { GO = 0, HAND_OVER = 1, FAILED = -1 };

/* If the pending error is an AttributeError, clear it and hand over; otherwise fail. */
static int
missing_attribute(void)
{
    if (PyErr_ExceptionMatches(PyExc_AttributeError)) {
        PyErr_Clear();
        return HAND_OVER;
    }
    return FAILED;
}

/* -- attribute access ---------------------------------------------------------------------- */

/* An object's attributes: its instance dict when its class is one whose attributes are
 * plain (see the top of this file), else NULL and the generic protocol. */
typedef struct {
    PyObject *obj;
    PyObject *dict;
} Attrs;

static int
attrs_open(Attrs *a, PyObject *obj)
{
    PyObject *type = (PyObject *)Py_TYPE(obj);
    a->obj = obj;
    a->dict = NULL;
    if (type == lock_type || type == semaphore_type || type == task_type) {
        a->dict = PyObject_GenericGetDict(obj, NULL);
        return a->dict == NULL ? -1 : 0;
    }
    return 0;
}

static void
attrs_close(Attrs *a)
{
    Py_CLEAR(a->dict);
}

/* obj.name (a new reference; NULL with AttributeError when it has none) */
static PyObject *
attr_get(Attrs *a, PyObject *name)
{
    if (a->dict != NULL) {
        PyObject *value = PyDict_GetItemWithError(a->dict, name);
        if (value != NULL) {
            return Py_NewRef(value);
        }
        if (PyErr_Occurred()) {
            return NULL;
        }
        /* not in the dict: a class attribute, or the AttributeError asyncio would see */
    }
    return PyObject_GetAttr(a->obj, name);
}

static int
attr_set(Attrs *a, PyObject *name, PyObject *value)
{
    if (a->dict != NULL) {
        return PyDict_SetItem(a->dict, name, value);
    }
    return PyObject_SetAttr(a->obj, name, value);
}

static int
attr_truth(Attrs *a, PyObject *name)
{
    PyObject *value = attr_get(a, name);
    if (value == NULL) {
        return -1;
    }
    int truth = value == Py_True ? 1 : value == Py_False || value == Py_None ? 0 : PyObject_IsTrue(value);
    Py_DECREF(value);
    return truth;
}

/* A slot of a TaskState record (st.held, st.end_once): a new reference, or NULL with an
 * error. Read at its offset when `st` is exactly a TaskState. */
static PyObject *
record_slot(PyObject *st, Py_ssize_t offset, PyObject *name)
{
    if (offset >= 0 && (PyObject *)Py_TYPE(st) == record_type) {
        PyObject *value = *(PyObject **)((char *)st + offset);
        if (value != NULL) {
            return Py_NewRef(value);
        }
    }
    return PyObject_GetAttr(st, name);
}

/* The current task as primitives._current finds it: `_task_by_loop(prim._adl_loop) or
 * _task_for(prim)`, Py_None outside a task (a new reference in *out). A primitive without
 * `_adl_loop` (made before install) is handed over: the twin adopts it. */
static int
current_task(Attrs *prim, PyObject **out)
{
    PyObject *loop = attr_get(prim, s_adl_loop);
    if (loop == NULL) {
        return missing_attribute();
    }
    PyObject *task = PyObject_CallOneArg(task_by_loop, loop);
    Py_DECREF(loop);
    if (task == NULL) {
        if (!PyErr_ExceptionMatches(PyExc_RuntimeError)) {
            return FAILED;
        }
        PyErr_Clear(); /* no running loop */
        *out = Py_NewRef(Py_None);
        return GO;
    }
    if (task == Py_None) {
        Py_DECREF(task);
        task = PyObject_CallOneArg(task_for, prim->obj);
        if (task == NULL) {
            return FAILED;
        }
    }
    *out = task;
    return GO;
}

/* The record of `task` (`task._adl_st`, made by state_of() on first use); None for None. */
static PyObject *
record_of(PyObject *task)
{
    if (task == Py_None) {
        return Py_NewRef(Py_None);
    }
    Attrs attrs;
    if (attrs_open(&attrs, task) < 0) {
        return NULL;
    }
    PyObject *st;
    if (attrs.dict != NULL) {
        /* asyncio's C Task: no class attribute of that name, so not in its dict is not
         * there at all (and no AttributeError is made, its message formatted, to say so) */
        st = PyDict_GetItemWithError(attrs.dict, s_adl_st);
        Py_XINCREF(st);
        attrs_close(&attrs);
        if (st != NULL || PyErr_Occurred()) {
            return st;
        }
        return PyObject_CallOneArg(state_of, task);
    }
    st = PyObject_GetAttr(task, s_adl_st);
    if (st != NULL || !PyErr_ExceptionMatches(PyExc_AttributeError)) {
        return st;
    }
    PyErr_Clear();
    return PyObject_CallOneArg(state_of, task);
}

/* The caller's frame (borrowed), its code (new reference) and its bytecode offset, as
 * Python's frame.f_lasti gives it. HAND_OVER when there is no Python caller or the caller
 * is AsyncExitStack (the twin then looks for the user's line). */
static int
caller_site(PyFrameObject **frame, PyObject **code, int *lasti)
{
    PyFrameObject *f = PyEval_GetFrame();
    if (f == NULL) {
        return HAND_OVER;
    }
    PyObject *c = (PyObject *)PyFrame_GetCode(f);
    if (c == enter_async_context) {
        Py_DECREF(c);
        return HAND_OVER;
    }
#if PY_VERSION_HEX >= 0x030B0000
    *lasti = PyFrame_GetLasti(f);
#else
    *lasti = f->f_lasti < 0 ? -1 : f->f_lasti * (int)sizeof(_Py_CODEUNIT);
#endif
    *frame = f;
    *code = c;
    return GO;
}

static int
call_ignoring_result(PyObject *func, PyObject *const *args, size_t nargs)
{
    PyObject *result = PyObject_Vectorcall(func, args, nargs, NULL);
    if (result == NULL) {
        return -1;
    }
    Py_DECREF(result);
    return 0;
}

/* Remove the most recent occurrence of `prim` from a held list (primitives._drop). */
static int
drop_held(PyObject *held, PyObject *prim)
{
    if (PyList_CheckExact(held)) {
        Py_ssize_t n = PyList_GET_SIZE(held);
        if (n == 0) {
            return 0;
        }
        if (PyList_GET_ITEM(held, n - 1) == prim) { /* released in the order taken */
            return PyList_SetSlice(held, n - 1, n, NULL);
        }
    }
    PyObject *args[2] = {held, prim};
    return call_ignoring_result(drop, args, 2);
}

/* `st.held`, and whether it is non-empty (-1: error). */
static int
held_of(PyObject *st, PyObject **held)
{
    *held = record_slot(st, held_offset, s_held);
    if (*held == NULL) {
        return -1;
    }
    return PyObject_IsTrue(*held);
}

static int
append_held(PyObject *held, PyObject *prim)
{
    if (PyList_CheckExact(held)) {
        return PyList_Append(held, prim);
    }
    PyObject *result = PyObject_CallMethod(held, "append", "O", prim);
    Py_XDECREF(result);
    return result == NULL ? -1 : 0;
}

/* Whether a primitive is known to be left out of the lock-order graph: its lock class
 * (`_adl_class`, read through `attrs`) is ordering.NOT_ORDERED, 0 (a semaphore with more
 * than one permit). Not known yet (None), or anything unusual: no (the recorder decides). */
static int
unordered(Attrs *attrs)
{
    PyObject *cls = attr_get(attrs, s_adl_class);
    if (cls == NULL) {
        PyErr_Clear();
        return 0;
    }
    int zero = cls == not_ordered; /* (CPython's small ints are one object each) */
    Py_DECREF(cls);
    return zero;
}

/* Whether taking the primitive of `prim` while holding `held` can make a lock-order edge:
 * not when it, or every primitive held, is left out of the graph (a lock taken inside a
 * pool's semaphore, a semaphore taken inside a lock). */
static int
may_order(Attrs *prim, PyObject *held)
{
    if (!PyList_CheckExact(held)) {
        return 1;
    }
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(held); i++) {
        PyObject *h = Py_NewRef(PyList_GET_ITEM(held, i));
        Attrs attrs;
        int out = 0;
        if (attrs_open(&attrs, h) < 0) {
            PyErr_Clear();
        }
        else {
            out = unordered(&attrs);
            attrs_close(&attrs);
        }
        Py_DECREF(h);
        if (!out) { /* something ordered is held: unless the one asked for is left out */
            return !unordered(prim);
        }
    }
    return 0;
}

/* The common start of both __aenter__: the caller's site, the current task's record, and
 * the lock-order hook if the task holds something already that could be ordered with it. */
typedef struct {
    Attrs self;           /* the primitive's attributes */
    PyFrameObject *frame; /* borrowed */
    PyObject *code;
    int lasti;
    PyObject *st;   /* the record, or Py_None */
    PyObject *held; /* st.held, or NULL when st is None */
} Entry;

static void
entry_clear(Entry *e)
{
    attrs_close(&e->self);
    Py_CLEAR(e->code);
    Py_CLEAR(e->st);
    Py_CLEAR(e->held);
}

static int
entry_begin(PyObject *prim, Entry *e)
{
    e->code = e->st = e->held = NULL;
    e->self.dict = NULL;
    int r = caller_site(&e->frame, &e->code, &e->lasti);
    if (r != GO) {
        return r;
    }
    if (attrs_open(&e->self, prim) < 0) {
        entry_clear(e);
        return FAILED;
    }
    PyObject *task;
    r = current_task(&e->self, &task);
    if (r != GO) {
        entry_clear(e);
        return r;
    }
    e->st = record_of(task);
    Py_DECREF(task);
    if (e->st == NULL) {
        entry_clear(e);
        return FAILED;
    }
    if (e->st == Py_None) {
        return GO;
    }
    int holding = held_of(e->st, &e->held);
    if (holding > 0 && may_order(&e->self, e->held)) {
        PyObject *args[3] = {e->st, prim, (PyObject *)e->frame};
        if (call_ignoring_result(nested, args, 3) < 0) {
            holding = -1;
        }
    }
    if (holding < 0) {
        entry_clear(e);
        return FAILED;
    }
    return GO;
}

/* -- the methods -------------------------------------------------------------------------- */

typedef PyObject *(*fastpath)(PyObject *twin, PyObject *const *args, size_t nargsf);

static PyObject *
hand_over(PyObject *twin, PyObject *const *args, size_t nargsf)
{
    return PyObject_Vectorcall(twin, args, nargsf, NULL);
}

/* asyncio.Lock.__aenter__ (primitives.lock_aenter) */
static PyObject *
lock_aenter(PyObject *twin, PyObject *const *args, size_t nargsf)
{
    PyObject *self = args[0];
    Entry e;
    int r = entry_begin(self, &e);
    if (r != GO) {
        return r == HAND_OVER ? hand_over(twin, args, nargsf) : NULL;
    }
    PyObject *result = NULL;
    int busy = attr_truth(&e.self, s_locked);
    if (busy == 0) {
        busy = attr_truth(&e.self, s_waiters);
    }
    if (busy < 0) {
        goto finally;
    }
    if (busy) { /* taken, or promised to a waiter: park (in Python) */
        PyObject *wait_args[4] = {self, e.st, (PyObject *)e.frame, e.code};
        result = PyObject_Vectorcall(lock_wait, wait_args, 4, NULL);
        goto finally;
    }
    if (attr_set(&e.self, s_locked, Py_True) < 0) {
        goto finally;
    }
    if (e.st != Py_None) {
        if (attr_set(&e.self, s_adl_owner, e.st) < 0 || append_held(e.held, self) < 0) {
            goto finally;
        }
    }
    PyObject *lasti = PyLong_FromLong(e.lasti);
    if (lasti == NULL) {
        goto finally;
    }
    if (attr_set(&e.self, s_adl_code, e.code) == 0 && attr_set(&e.self, s_adl_lasti, lasti) == 0) {
        result = Py_NewRef(done);
    }
    Py_DECREF(lasti);
finally:
    entry_clear(&e);
    return result;
}

/* asyncio.Lock.__aexit__ (primitives.lock_aexit) */
static PyObject *
lock_aexit(PyObject *twin, PyObject *const *args, size_t nargsf)
{
    PyObject *self = args[0];
    Attrs attrs;
    if (attrs_open(&attrs, self) < 0) {
        return NULL;
    }
    PyObject *result = NULL, *st = NULL, *held = NULL, *code = NULL;
    int r = FAILED;
    int locked = attr_truth(&attrs, s_locked);
    if (locked < 0) {
        goto finally;
    }
    int waiters = locked ? attr_truth(&attrs, s_waiters) : 1;
    if (waiters < 0) {
        goto finally;
    }
    PyFrameObject *frame;
    int lasti;
    /* Someone to wake: asyncio's release() does it, and who released it where is recorded
     * (for a lock of exactly asyncio's class; not locked: asyncio raises, in the twin). */
    if (waiters && (!locked || attrs.dict == NULL || caller_site(&frame, &code, &lasti) != GO)) {
        r = HAND_OVER;
        goto finally;
    }
    st = attr_get(&attrs, s_adl_owner);
    if (st == NULL) { /* made and entered before install() */
        r = missing_attribute();
        goto finally;
    }
    if (waiters) {
        if (call_ignoring_result(lock_release, &self, 1) < 0) {
            goto finally;
        }
        /* (read again: nothing in asyncio's release sets it, but the dict is the truth) */
        PyObject *owner = PyDict_GetItemWithError(attrs.dict, s_adl_owner);
        if (owner == NULL && PyErr_Occurred()) {
            goto finally;
        }
        PyObject *at = PyLong_FromLong(lasti);
        if (at == NULL) {
            goto finally;
        }
        PyObject *released = PyTuple_Pack(3, owner == NULL ? Py_None : owner, code, at);
        Py_DECREF(at);
        if (released == NULL || attr_set(&attrs, s_adl_released, released) < 0) {
            Py_XDECREF(released);
            goto finally;
        }
        Py_DECREF(released);
    }
    else if (attr_set(&attrs, s_locked, Py_False) < 0) {
        goto finally;
    }
    if (st != Py_None) {
        if (attr_set(&attrs, s_adl_owner, Py_None) < 0) {
            goto finally;
        }
        held = record_slot(st, held_offset, s_held);
        if (held == NULL || drop_held(held, self) < 0) {
            goto finally;
        }
    }
    r = GO;
    result = Py_NewRef(done);
finally:
    Py_XDECREF(code);
    Py_XDECREF(held);
    Py_XDECREF(st);
    attrs_close(&attrs);
    return r == HAND_OVER ? hand_over(twin, args, nargsf) : result;
}

/* primitives._sem_taken: whose permit it is now */
static int
sem_taken(PyObject *self, Entry *e)
{
    if (e->st == Py_None) { /* a permit taken outside any task: owners unknown */
        return attr_set(&e->self, s_adl_shared, Py_True);
    }
    PyObject *holders = attr_get(&e->self, s_adl_holders);
    if (holders == NULL) {
        return -1;
    }
    int rc = -1;
    if (holders == Py_None) {
        Py_DECREF(holders);
        holders = PyDict_New();
        if (holders == NULL || attr_set(&e->self, s_adl_holders, holders) < 0) {
            goto finally;
        }
    }
    if (!PyDict_CheckExact(holders)) {
        goto generic;
    }
    PyObject *entry = PyDict_GetItemWithError(holders, e->st); /* borrowed */
    if (entry == NULL) {
        if (PyErr_Occurred()) {
            goto finally;
        }
        PyObject *fresh = Py_BuildValue("[iOi]", 1, e->code, e->lasti);
        if (fresh == NULL) {
            goto finally;
        }
        int set = PyDict_SetItem(holders, e->st, fresh);
        Py_DECREF(fresh);
        if (set < 0) {
            goto finally;
        }
    }
    else if (PyList_CheckExact(entry) && PyList_GET_SIZE(entry) > 0) {
        PyObject *count = PyNumber_Add(PyList_GET_ITEM(entry, 0), one);
        if (count == NULL) {
            goto finally;
        }
        PyList_SetItem(entry, 0, count); /* steals count */
    }
    else {
        goto generic;
    }
    rc = append_held(e->held, self);
    goto finally;
generic:; /* not a record our own code made: the Python helper does it all */
    PyObject *taken_args[3] = {self, e->st, (PyObject *)e->frame};
    rc = call_ignoring_result(sem_taken_py, taken_args, 3);
finally:
    Py_XDECREF(holders);
    return rc;
}

/* asyncio.Semaphore.__aenter__ (primitives.sem_aenter) */
static PyObject *
sem_aenter(PyObject *twin, PyObject *const *args, size_t nargsf)
{
    PyObject *self = args[0];
    Entry e;
    int r = entry_begin(self, &e);
    if (r != GO) {
        return r == HAND_OVER ? hand_over(twin, args, nargsf) : NULL;
    }
    PyObject *result = NULL;
    PyObject *value = attr_get(&e.self, s_value);
    if (value == NULL) {
        goto finally;
    }
    int busy = PyObject_RichCompareBool(value, one, Py_LT); /* no permit left */
    if (busy == 0) {
        busy = attr_truth(&e.self, s_waiters);
    }
    if (busy < 0) {
        goto finally;
    }
    if (busy) {
        PyObject *wait_args[3] = {self, e.st, (PyObject *)e.frame};
        result = PyObject_Vectorcall(sem_wait, wait_args, 3, NULL);
        goto finally;
    }
    PyObject *less = PyNumber_Subtract(value, one);
    if (less == NULL) {
        goto finally;
    }
    int set = attr_set(&e.self, s_value, less);
    Py_DECREF(less);
    if (set == 0 && sem_taken(self, &e) == 0) {
        result = Py_NewRef(done);
    }
finally:
    Py_XDECREF(value);
    entry_clear(&e);
    return result;
}

/* asyncio.Semaphore.__aexit__ (primitives.sem_aexit), when the permit goes back to the
 * task that holds it (through asyncio's release() when there are waiters to wake);
 * everything else is the twin's. */
static PyObject *
sem_aexit(PyObject *twin, PyObject *const *args, size_t nargsf)
{
    PyObject *self = args[0];
    if ((PyObject *)Py_TYPE(self) != semaphore_type) { /* BoundedSemaphore checks its bound */
        return hand_over(twin, args, nargsf);
    }
    Attrs attrs;
    if (attrs_open(&attrs, self) < 0) {
        return NULL;
    }
    PyObject *result = NULL, *holders = NULL, *task = NULL, *st = NULL, *value = NULL;
    PyObject *held = NULL, *entry = NULL;
    int r = attr_truth(&attrs, s_waiters);
    if (r < 0) {
        r = FAILED;
        goto finally;
    }
    /* Someone to wake: asyncio's own release() does it (the twin calls `self.release()`,
     * which is that and this bookkeeping, unless the instance has a release of its own). */
    int wake = r;
    r = HAND_OVER;
    if (wake && (attrs.dict == NULL || PyDict_GetItemWithError(attrs.dict, s_release) != NULL ||
                 PyErr_Occurred())) {
        r = PyErr_Occurred() ? FAILED : HAND_OVER;
        goto finally;
    }
    holders = attr_get(&attrs, s_adl_holders);
    if (holders == NULL) { /* made and taken before install() */
        r = missing_attribute();
        goto finally;
    }
    r = HAND_OVER;
    if (!PyDict_CheckExact(holders) || PyDict_GET_SIZE(holders) == 0) {
        goto finally; /* a release by a task holding no permit: a signal */
    }
    r = current_task(&attrs, &task);
    if (r != GO || task == Py_None) {
        r = r == GO ? HAND_OVER : r;
        goto finally;
    }
    Attrs task_attrs;
    if (attrs_open(&task_attrs, task) < 0) {
        r = FAILED;
        goto finally;
    }
    st = attr_get(&task_attrs, s_adl_st);
    attrs_close(&task_attrs);
    if (st == NULL) {
        r = missing_attribute();
        goto finally;
    }
    entry = PyDict_GetItemWithError(holders, st);
    if (entry == NULL || !PyList_CheckExact(entry) || PyList_GET_SIZE(entry) == 0) {
        r = PyErr_Occurred() ? FAILED : HAND_OVER;
        entry = NULL;
        goto finally;
    }
    Py_INCREF(entry); /* the dict's reference may go below */
    /* from here on the release is ours */
    r = FAILED;
    if (wake) {
        if (call_ignoring_result(sem_release, &self, 1) < 0) {
            goto finally;
        }
    }
    else {
        value = attr_get(&attrs, s_value);
        if (value == NULL) {
            goto finally;
        }
        PyObject *more = PyNumber_Add(value, one);
        if (more == NULL) {
            goto finally;
        }
        int set = attr_set(&attrs, s_value, more);
        Py_DECREF(more);
        if (set < 0) {
            goto finally;
        }
    }
    held = record_slot(st, held_offset, s_held);
    if (held == NULL || drop_held(held, self) < 0) {
        goto finally;
    }
    PyObject *count = PyNumber_Subtract(PyList_GET_ITEM(entry, 0), one);
    if (count == NULL) {
        goto finally;
    }
    int gone = PyObject_RichCompareBool(count, one, Py_LT);
    PyList_SetItem(entry, 0, count); /* steals count */
    if (gone < 0 || (gone && PyDict_DelItem(holders, st) < 0)) {
        goto finally;
    }
    int holding = PyObject_IsTrue(held);
    if (holding < 0) {
        goto finally;
    }
    if (!holding) { /* holds nothing now: the end of the task need not be watched */
        PyObject *once = record_slot(st, end_once_offset, s_end_once);
        int watched = once == NULL ? -1 : PyObject_IsTrue(once);
        Py_XDECREF(once);
        if (watched < 0 || (watched && call_ignoring_result(unwatch_end, &st, 1) < 0)) {
            goto finally;
        }
    }
    r = GO;
    result = Py_NewRef(done);
finally:
    Py_XDECREF(entry);
    Py_XDECREF(held);
    Py_XDECREF(value);
    Py_XDECREF(st);
    Py_XDECREF(task);
    Py_XDECREF(holders);
    attrs_close(&attrs);
    return r == HAND_OVER ? hand_over(twin, args, nargsf) : result;
}

/* -- the method type ---------------------------------------------------------------------- */

/* A function to be set on a class: called with the instance first, like a Python function
 * (a descriptor that binds, and a method descriptor the interpreter calls unbound). Calls
 * with another number of arguments, or with keywords, go to the Python twin. */
typedef struct {
    PyObject_HEAD
    vectorcallfunc vectorcall;
    fastpath impl;
    Py_ssize_t nargs;
    PyObject *twin;
    PyObject *dict;
} FastMethod;

static PyObject *
fastmethod_vectorcall(PyObject *callable, PyObject *const *args, size_t nargsf,
                      PyObject *kwnames)
{
    FastMethod *m = (FastMethod *)callable;
    if (kwnames != NULL || PyVectorcall_NARGS(nargsf) != m->nargs) {
        return PyObject_Vectorcall(m->twin, args, nargsf, kwnames);
    }
    return m->impl(m->twin, args, nargsf);
}

static PyObject *
fastmethod_get(PyObject *self, PyObject *obj, PyObject *type)
{
    if (obj == NULL || obj == Py_None) {
        return Py_NewRef(self);
    }
    return PyMethod_New(self, obj);
}

static int
fastmethod_traverse(FastMethod *m, visitproc visit, void *arg)
{
    Py_VISIT(m->twin);
    Py_VISIT(m->dict);
    return 0;
}

static int
fastmethod_clear(FastMethod *m)
{
    Py_CLEAR(m->twin);
    Py_CLEAR(m->dict);
    return 0;
}

static void
fastmethod_dealloc(FastMethod *m)
{
    PyObject_GC_UnTrack(m);
    fastmethod_clear(m);
    PyObject_GC_Del(m);
}

static PyObject *
fastmethod_repr(FastMethod *m)
{
    return PyUnicode_FromFormat("<fast path of %R>", m->twin);
}

static PyGetSetDef fastmethod_getset[] = {
    {"__dict__", PyObject_GenericGetDict, PyObject_GenericSetDict, NULL, NULL},
    {NULL},
};

static PyTypeObject FastMethodType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "aiodeadlock.instrument._fastpaths.FastMethod",
    .tp_doc = "A patched method's C fast path, with its Python twin for everything else.",
    .tp_basicsize = sizeof(FastMethod),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_HAVE_VECTORCALL
                | Py_TPFLAGS_METHOD_DESCRIPTOR,
    .tp_vectorcall_offset = offsetof(FastMethod, vectorcall),
    .tp_call = PyVectorcall_Call,
    .tp_descr_get = fastmethod_get,
    .tp_dictoffset = offsetof(FastMethod, dict),
    .tp_traverse = (traverseproc)fastmethod_traverse,
    .tp_clear = (inquiry)fastmethod_clear,
    .tp_dealloc = (destructor)fastmethod_dealloc,
    .tp_repr = (reprfunc)fastmethod_repr,
    .tp_getset = fastmethod_getset,
};

static const struct {
    const char *name;
    fastpath impl;
    Py_ssize_t nargs;
} FASTPATHS[] = {
    {"lock_aenter", lock_aenter, 1},
    {"lock_aexit", lock_aexit, 4},
    {"sem_aenter", sem_aenter, 1},
    {"sem_aexit", sem_aexit, 4},
    {NULL, NULL, 0},
};

/* -- an awaitable that is finished already ------------------------------------------------- */

/* primitives._Done in C: awaiting it returns None at once. It is its own iterator, already
 * exhausted, so an await costs no call into Python and no allocation; with send, throw and
 * close it is also a collections.abc.Coroutine (create_task and ensure_future take it). */
typedef struct {
    PyObject_HEAD
} Done;

static PyObject *
done_self(PyObject *self)
{
    return Py_NewRef(self);
}

static PyObject *
done_iternext(PyObject *self)
{
    return NULL; /* exhausted, with no exception set: StopIteration(None) */
}

static PyObject *
done_send(PyObject *self, PyObject *value)
{
    PyErr_SetNone(PyExc_StopIteration);
    return NULL;
}

static PyObject *
done_throw(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs < 1 || nargs > 3) {
        PyErr_SetString(PyExc_TypeError, "throw() takes 1 to 3 arguments");
        return NULL;
    }
    PyObject *exc = nargs > 1 && args[1] != Py_None ? args[1] : args[0];
    if (PyExceptionInstance_Check(exc)) {
        PyErr_SetObject((PyObject *)Py_TYPE(exc), exc);
    }
    else if (PyExceptionClass_Check(exc)) {
        PyErr_SetNone(exc);
    }
    else {
        PyErr_SetString(PyExc_TypeError, "exceptions must derive from BaseException");
    }
    return NULL;
}

static PyObject *
done_close(PyObject *self, PyObject *unused)
{
    Py_RETURN_NONE;
}

static PyMethodDef done_methods[] = {
    {"send", done_send, METH_O, NULL},
    {"throw", (PyCFunction)(void (*)(void))done_throw, METH_FASTCALL, NULL},
    {"close", done_close, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static PyAsyncMethods done_async = {.am_await = done_self};

static PyTypeObject DoneType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "aiodeadlock.instrument._fastpaths.Done",
    .tp_doc = "An awaitable that is finished already, with the result None.",
    .tp_basicsize = sizeof(Done),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_as_async = &done_async,
    .tp_iter = done_self,
    .tp_iternext = done_iternext,
    .tp_methods = done_methods,
};

/* -- the module --------------------------------------------------------------------------- */

static PyObject *
fastpaths_method(PyObject *module, PyObject *args)
{
    const char *name;
    PyObject *twin;
    if (!PyArg_ParseTuple(args, "sO:method", &name, &twin)) {
        return NULL;
    }
    if (task_by_loop == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "bind() first");
        return NULL;
    }
    for (int i = 0; FASTPATHS[i].name != NULL; i++) {
        if (strcmp(FASTPATHS[i].name, name) == 0) {
            FastMethod *m = PyObject_GC_New(FastMethod, &FastMethodType);
            if (m == NULL) {
                return NULL;
            }
            m->vectorcall = fastmethod_vectorcall;
            m->impl = FASTPATHS[i].impl;
            m->nargs = FASTPATHS[i].nargs;
            m->twin = Py_NewRef(twin);
            m->dict = NULL;
            PyObject_GC_Track(m);
            return (PyObject *)m;
        }
    }
    PyErr_Format(PyExc_ValueError, "no fast path named %s", name);
    return NULL;
}

/* Where instances of `type` keep the __slots__ attribute `name` (-1 if it is not one). */
static Py_ssize_t
slot_offset(PyObject *type, const char *name)
{
    PyObject *descr = PyObject_GetAttrString(type, name);
    if (descr == NULL) {
        PyErr_Clear();
        return -1;
    }
    Py_ssize_t offset = -1;
    if (Py_IS_TYPE(descr, &PyMemberDescr_Type)) {
        PyMemberDef *member = ((PyMemberDescrObject *)descr)->d_member;
        if (member->type == SLOT_OBJECT && !(member->flags & SLOT_READONLY)) {
            offset = member->offset;
        }
    }
    Py_DECREF(descr);
    return offset;
}

static PyObject *
fastpaths_bind(PyObject *module, PyObject *args)
{
    PyObject **slots[] = {&task_by_loop,  &task_for,    &state_of,       &nested,
                          &lock_wait,     &sem_wait,    &sem_taken_py,   &drop,
                          &unwatch_end,   &done,        &enter_async_context,
                          &lock_type,     &semaphore_type, &task_type,   &record_type,
                          &sem_release,   &lock_release};
    const Py_ssize_t count = (Py_ssize_t)(sizeof(slots) / sizeof(slots[0]));
    if (!PyTuple_Check(args) || PyTuple_GET_SIZE(args) != count) {
        PyErr_Format(PyExc_TypeError, "bind() takes %zd arguments", count);
        return NULL;
    }
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *bound = PyTuple_GET_ITEM(args, i);
        Py_XSETREF(*slots[i], Py_NewRef(bound));
    }
    held_offset = slot_offset(record_type, "held");
    end_once_offset = slot_offset(record_type, "end_once");
    Py_RETURN_NONE;
}

static PyMethodDef fastpaths_functions[] = {
    {"bind", fastpaths_bind, METH_VARARGS,
     "bind(task_by_loop, task_for, state_of, nested, lock_wait, sem_wait, sem_taken, drop, "
     "unwatch_end, done, enter_async_context, lock, semaphore, task, record, sem_release, "
     "lock_release): the Python helpers the fast paths call, the classes whose attributes "
     "are plain, and asyncio's own Semaphore.release and Lock.release."},
    {"method", fastpaths_method, METH_VARARGS,
     "method(name, twin): the fast path `name`, handing what it does not do to `twin`."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef fastpaths_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "aiodeadlock.instrument._fastpaths",
    .m_doc = "C fast paths of the patched asyncio.Lock and asyncio.Semaphore methods.",
    .m_size = -1,
    .m_methods = fastpaths_functions,
};

PyMODINIT_FUNC
PyInit__fastpaths(void)
{
    if (intern_names() < 0 || PyType_Ready(&FastMethodType) < 0
        || PyType_Ready(&DoneType) < 0) {
        return NULL;
    }
    PyObject *module = PyModule_Create(&fastpaths_module);
    if (module == NULL) {
        return NULL;
    }
    PyObject *finished = PyType_GenericAlloc(&DoneType, 0);
    if (finished == NULL || PyModule_AddObject(module, "DONE", finished) < 0
        || PyModule_AddObjectRef(module, "FastMethod", (PyObject *)&FastMethodType) < 0) {
        Py_XDECREF(finished);
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
