//! Tables across the boundary through the Arrow C stream interface (the PyCapsule protocol):
//! a polars, pandas (through polars) or pyarrow table comes in from any object with
//! `__arrow_c_stream__`; a run's table goes out as a capsule that polars reads. Columns move
//! as Arrow buffers, never row by row.

use std::ffi::CString;

use polars::prelude::{
    ArrowDataType, ArrowField, CompatLevel, DataFrame, IntoColumn, PlSmallStr, Series,
};
use polars_arrow::array::{Array, StructArray};
use polars_arrow::ffi::{export_iterator, ArrowArrayStream, ArrowArrayStreamReader};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyCapsule;

const STREAM: &std::ffi::CStr = c"arrow_array_stream";

fn value_error(what: impl std::fmt::Display) -> PyErr {
    PyValueError::new_err(format!("the prices table cannot be read as Arrow: {what}"))
}

/// The table `data` streams (`data.__arrow_c_stream__()`), as one polars frame.
pub fn import_frame(data: &Bound<'_, PyAny>) -> PyResult<DataFrame> {
    if !data.hasattr("__arrow_c_stream__")? {
        return Err(PyTypeError::new_err(
            "prices must be a table with the Arrow stream interface (a polars or pyarrow table)",
        ));
    }
    let capsule = data.call_method0("__arrow_c_stream__")?;
    let capsule = capsule.cast::<PyCapsule>()?;
    let pointer = capsule.pointer_checked(Some(STREAM))?;
    // SAFETY: a capsule named `arrow_array_stream` holds an `ArrowArrayStream` (the PyCapsule
    // protocol). Moving it out leaves a released stream behind (release null), which the
    // capsule's destructor then leaves alone: the stream is ours.
    let stream = unsafe {
        std::ptr::replace(
            pointer.as_ptr().cast::<ArrowArrayStream>(),
            ArrowArrayStream::empty(),
        )
    };
    let py = data.py();
    py.detach(|| read_stream(stream)).map_err(value_error)
}

/// The stream's struct arrays, column by column, into a frame.
fn read_stream(stream: ArrowArrayStream) -> polars::prelude::PolarsResult<DataFrame> {
    // SAFETY: the stream came from a producer of the C stream interface (see `import_frame`).
    let mut reader = unsafe { ArrowArrayStreamReader::try_new(Box::new(stream))? };
    let fields = match reader.field().dtype() {
        ArrowDataType::Struct(fields) => fields.clone(),
        other => {
            polars::prelude::polars_bail!(ComputeError: "a stream of {other:?}, not of a table")
        }
    };
    let mut chunks: Vec<Vec<Box<dyn Array>>> = vec![Vec::new(); fields.len()];
    let mut height = 0;
    // SAFETY: as above; each array is the producer's, handed over by `get_next`.
    while let Some(array) = unsafe { reader.next() } {
        let array = array?;
        let batch = array.as_any().downcast_ref::<StructArray>().ok_or_else(
            || polars::prelude::polars_err!(ComputeError: "a batch is not a struct array"),
        )?;
        height += batch.len();
        for (column, values) in chunks.iter_mut().zip(batch.values()) {
            column.push(values.clone());
        }
    }
    let columns = fields
        .iter()
        .zip(chunks)
        .map(|(field, chunks)| {
            let name: PlSmallStr = field.name.clone();
            if chunks.is_empty() {
                let dtype = polars::prelude::DataType::from_arrow_field(field);
                return Ok(Series::new_empty(name, &dtype).into_column());
            }
            Series::try_from((name, chunks)).map(IntoColumn::into_column)
        })
        .collect::<polars::prelude::PolarsResult<Vec<_>>>()?;
    DataFrame::new(height, columns)
}

/// `frame` as a capsule holding an Arrow C stream of its record batches (what an object's
/// `__arrow_c_stream__` returns).
pub fn export_frame<'py>(py: Python<'py>, mut frame: DataFrame) -> PyResult<Bound<'py, PyAny>> {
    frame.rechunk_mut();
    let compat = CompatLevel::newest();
    let fields: Vec<ArrowField> = frame
        .columns()
        .iter()
        .map(|c| c.field().to_arrow(compat))
        .collect();
    let dtype = ArrowDataType::Struct(fields);
    let batches: Vec<Box<dyn Array>> = frame
        .iter_chunks(compat, false)
        .map(|batch| {
            let length = batch.height();
            Box::new(StructArray::new(
                dtype.clone(),
                length,
                batch.into_arrays(),
                None,
            )) as Box<dyn Array>
        })
        .collect();
    let field = ArrowField::new(PlSmallStr::EMPTY, dtype, false);
    let stream = export_iterator(Box::new(batches.into_iter().map(Ok)), field);
    let name = CString::from(STREAM);
    // The consumer moves the stream out (leaving it released); otherwise it is released here.
    let capsule = PyCapsule::new_with_destructor(py, stream, Some(name), |stream, _| drop(stream))?;
    Ok(capsule.into_any())
}
