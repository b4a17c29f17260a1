"""Build the Cython extension ``cikuang._native``; all other metadata lives in pyproject.toml."""
from Cython.Build import cythonize
from setuptools import Extension, setup

setup(
    ext_modules=cythonize(
        [Extension("cikuang._native", ["src/cikuang/_native.pyx"], extra_compile_args=["-O3"])],
        compiler_directives={"language_level": 3, "boundscheck": False, "wraparound": False,
                             "cdivision": True},
    ),
)
