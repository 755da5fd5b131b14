/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The end of a JPEG scan, found with memchr: the first 0xFF byte followed by anything but a stuffed
 * zero (0x00) or a restart marker (0xD0-0xD7). The same answer as the regular expression
 * rb"\xff[^\x00\xd0-\xd7]" in core/formats/jpeg_scan.py, which is used where this module was not built.
 * memchr skips the bytes between two 0xFF (about 250 on a camera photo) many at a time; the search
 * runs without the interpreter lock.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

static PyObject *
find_marker(PyObject *self, PyObject *args)
{
    Py_buffer view;
    Py_ssize_t pos;
    Py_ssize_t found = -1;
    if (!PyArg_ParseTuple(args, "y*n", &view, &pos))
        return NULL;
    if (pos < 0)
        pos = 0;
    if (pos < view.len) {
        const unsigned char *base = (const unsigned char *)view.buf;
        const unsigned char *cur = base + pos;
        const unsigned char *end = base + view.len;
        Py_BEGIN_ALLOW_THREADS
        while (cur < end) {
            const unsigned char *ff = memchr(cur, 0xFF, (size_t)(end - cur));
            if (ff == NULL || ff + 1 >= end)
                break;
            unsigned char next = ff[1];
            if (next != 0x00 && (next < 0xD0 || next > 0xD7)) {
                found = ff - base;
                break;
            }
            cur = ff + 2; /* the byte after this 0xFF is 0x00 or a restart marker: not an 0xFF */
        }
        Py_END_ALLOW_THREADS
    }
    PyBuffer_Release(&view);
    return PyLong_FromSsize_t(found);
}

static PyMethodDef methods[] = {
    {"find_marker", find_marker, METH_VARARGS,
     "find_marker(buffer, pos) -> offset of the first marker at or after pos, or -1."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_scan", NULL, 0, methods};

PyMODINIT_FUNC
PyInit__scan(void)
{
    return PyModule_Create(&module);
}
